import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_PHASES } from '../core/commands.js';
import { PAGE_COMMAND_PHASES } from './command-phases.js';

test('the page enables exactly the commands the core would accept in each phase', () => {
  assert.deepEqual(PAGE_COMMAND_PHASES, COMMAND_PHASES);
});
