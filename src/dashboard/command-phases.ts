/**
 * Which phases each command applies in, for the page's buttons. The same
 * table as core/commands.ts's COMMAND_PHASES (a test keeps them equal), kept
 * apart because that module pulls in the spec schema, far too big for the page.
 * The server decides either way; this only greys out what it would refuse.
 */
import { Phase } from '../core/phase.js';

export type CommandType = 'pause' | 'resume' | 'promote' | 'rollback' | 'set-weight';

export const PAGE_COMMAND_PHASES: Readonly<Record<CommandType, readonly Phase[]>> = {
  pause: [Phase.Pending, Phase.Progressing],
  resume: [Phase.Paused],
  promote: [Phase.Progressing, Phase.Paused],
  rollback: [Phase.Pending, Phase.Progressing, Phase.Paused, Phase.Failed],
  'set-weight': [Phase.Progressing, Phase.Paused],
};
