import { rolloutCommandVerb } from './rollout-command.js';

export default rolloutCommandVerb('rollback', 'Roll back now: all traffic to the primary, the canary stopped.');
