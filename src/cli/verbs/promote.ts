import { rolloutCommandVerb } from './rollout-command.js';

export default rolloutCommandVerb('promote', 'Promote the canary now, skipping the remaining steps.');
