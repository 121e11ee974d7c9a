import { rolloutCommandVerb } from './rollout-command.js';

export default rolloutCommandVerb('pause', 'Pause the rollout: the weight stays as it is until resume.');
