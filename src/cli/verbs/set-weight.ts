import { rolloutCommandVerb } from './rollout-command.js';

export default rolloutCommandVerb('set-weight', 'Set the canary weight by hand (the rollout pauses; resume continues the steps).');
