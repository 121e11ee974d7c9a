/**
 * Pause, resume, set weight, promote, roll back: each asks for confirmation,
 * then sends the same command as the CLI verb and shows what came of it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Command } from '../../src/core/commands.js';
import { PAGE_COMMAND_PHASES } from '../../src/dashboard/command-phases.js';
import type { RolloutSnapshot } from '../../src/local/snapshot.js';

export interface Outcome {
  readonly ok: boolean;
  readonly text: string;
}

interface Pending {
  readonly command: Command;
  readonly title: string;
  readonly detail: string;
}

function describe(command: Command, snapshot: RolloutSnapshot): Pending {
  const { name, status } = snapshot;
  switch (command.type) {
    case 'pause': return { command, title: `Pause ${name}?`, detail: `The split stays at ${status.canaryWeight}% canary and no step is taken until it is resumed.` };
    case 'resume': return { command, title: `Resume ${name}?`, detail: 'The rollout continues with its steps and analysis.' };
    case 'promote': return { command, title: `Promote ${name}?`, detail: `The canary (${status.canaryStorageUri}) becomes the primary and takes all traffic; the analysis is skipped.` };
    case 'rollback': return { command, title: `Roll back ${name}?`, detail: `All traffic returns to the primary (${status.stableStorageUri}) and the canary is stopped.` };
    case 'set-weight': return { command, title: `Set ${name}'s canary weight to ${command.weight}%?`, detail: `The canary takes ${command.weight}% of the traffic now and the rollout pauses there until it is resumed.` };
  }
}

function ConfirmDialog(props: { pending: Pending; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby="confirm-title" onCancel={(event) => { event.preventDefault(); props.onCancel(); }}>
      <h3 id="confirm-title">{props.pending.title}</h3>
      <p>{props.pending.detail}</p>
      <p class="muted">The same as <code>kcanary {props.pending.command.type}{props.pending.command.type === 'set-weight' ? ` ${props.pending.command.weight}` : ''}</code>.</p>
      <div class="dialog-buttons">
        <button type="button" onClick={props.onCancel} disabled={props.busy}>Cancel</button>
        <button type="button" class="primary" data-testid="confirm" onClick={props.onConfirm} disabled={props.busy}>{props.busy ? 'Working…' : 'Confirm'}</button>
      </div>
    </dialog>
  );
}

export function Actions(props: { snapshot: RolloutSnapshot; send: (command: Command) => Promise<Outcome>; outcome: Outcome | null }) {
  const { snapshot } = props;
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [weight, setWeight] = useState(String(snapshot.status.canaryWeight));
  const weightInput = useRef<HTMLInputElement>(null);
  // Follow the rollout's weight, except while someone is typing a new one.
  useEffect(() => {
    if (document.activeElement !== weightInput.current) setWeight(String(snapshot.status.canaryWeight));
  }, [snapshot.status.canaryWeight]);
  const allowed = (type: Command['type']): boolean => snapshot.running && PAGE_COMMAND_PHASES[type].includes(snapshot.status.phase);
  const ask = (command: Command): void => setPending(describe(command, snapshot));
  const weightValue = Number(weight);
  const weightValid = weight.trim() !== '' && Number.isInteger(weightValue) && weightValue >= 0 && weightValue <= 100;

  const confirm = async (): Promise<void> => {
    if (!pending) return;
    setBusy(true);
    try {
      await props.send(pending.command);
    } finally {
      setBusy(false);
      setPending(null);
    }
  };

  return (
    <section class="card actions" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <div class="buttons">
        <button type="button" onClick={() => ask({ type: 'pause' })} disabled={!allowed('pause')}>Pause</button>
        <button type="button" onClick={() => ask({ type: 'resume' })} disabled={!allowed('resume')}>Resume</button>
        <button type="button" class="good" onClick={() => ask({ type: 'promote' })} disabled={!allowed('promote')}>Promote</button>
        <button type="button" class="bad" onClick={() => ask({ type: 'rollback' })} disabled={!allowed('rollback')}>Roll back</button>
      </div>
      <form class="set-weight" onSubmit={(event) => { event.preventDefault(); if (weightValid) ask({ type: 'set-weight', weight: weightValue }); }}>
        <label>
          canary weight
          <input ref={weightInput} type="number" inputMode="numeric" min={0} max={100} step={1} value={weight} aria-label="canary weight in percent"
            onInput={(event) => setWeight((event.target as HTMLInputElement).value)} />
          %
        </label>
        <button type="submit" disabled={!allowed('set-weight') || !weightValid}>Set weight</button>
      </form>
      {props.outcome ? (
        <p class={`outcome ${props.outcome.ok ? 'tone-good' : 'tone-bad'}`} role={props.outcome.ok ? 'status' : 'alert'} data-testid="outcome">{props.outcome.text}</p>
      ) : null}
      {pending ? <ConfirmDialog pending={pending} busy={busy} onConfirm={() => void confirm()} onCancel={() => setPending(null)} /> : null}
    </section>
  );
}
