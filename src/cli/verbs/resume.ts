import { rolloutCommandVerb } from './rollout-command.js';

export default rolloutCommandVerb('resume', 'Resume a paused rollout (also opens a manual gate).');
