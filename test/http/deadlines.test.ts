/**
 * Deadlines (sdk/http/deadlines.ts): every body read's deadline on one timer. Each item expires
 * once, not before its time; an earlier deadline re-arms the timer set for a later one; a
 * cancelled one never expires; and a pending deadline does not keep the process alive.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { Deadlines, type Expiring } from '../../sdk/http/deadlines.js';

const run = promisify(execFile);

function item(ms: number): Expiring & { expired: number; done: Promise<number> } {
  let resolve: (at: number) => void = () => undefined;
  const done = new Promise<number>((r) => (resolve = r));
  const entry = {
    at: performance.now() + ms,
    expired: 0,
    done,
    expire() {
      entry.expired++;
      resolve(performance.now());
    },
  };
  return entry;
}

it('expires each item once, not before its time, and leaves later ones pending', async () => {
  const deadlines = new Deadlines();
  const soon = item(30);
  const later = item(60_000);
  deadlines.start(soon);
  deadlines.start(later);
  const at = await soon.done;
  expect(at).toBeGreaterThanOrEqual(soon.at);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect([soon.expired, later.expired]).toEqual([1, 0]);
  deadlines.cancel(later);
});

it('re-arms for a deadline earlier than the one the timer is set for', async () => {
  const deadlines = new Deadlines();
  const late = item(60_000);
  deadlines.start(late);
  const early = item(20);
  deadlines.start(early);
  // Without re-arming, this would wait the minute of the first one (and the test time out).
  await early.done;
  expect([early.expired, late.expired]).toEqual([1, 0]);
  deadlines.cancel(late);
});

it('never expires a cancelled item, while the ones around it do', async () => {
  const deadlines = new Deadlines();
  const cancelled = item(10);
  const kept = item(80);
  deadlines.start(cancelled);
  deadlines.start(kept);
  deadlines.cancel(cancelled);
  await kept.done;
  await new Promise((resolve) => setTimeout(resolve, 30));
  expect([cancelled.expired, kept.expired]).toEqual([0, 1]);
});

it('unlinks an item from anywhere in the list, and a second cancel or one never started changes nothing', async () => {
  const deadlines = new Deadlines();
  const [first, middle, last] = [item(40), item(40), item(40)];
  const stranger = item(5);
  for (const each of [first, middle, last]) deadlines.start(each);
  deadlines.cancel(middle);
  deadlines.cancel(middle);
  deadlines.cancel(stranger);
  // The newest is the list's head: cancelling it and starting it again relinks it in front.
  deadlines.cancel(last);
  deadlines.start(last);
  await Promise.all([first.done, last.done]);
  await new Promise((resolve) => setTimeout(resolve, 30));
  expect([first.expired, middle.expired, last.expired, stranger.expired]).toEqual([1, 0, 1, 0]);
});

it('does not keep the process alive for a pending deadline', async () => {
  const script = "import { bodyDeadlines } from './sdk/http/deadlines.ts'; bodyDeadlines.start({ at: performance.now() + 600_000, expire() { process.exitCode = 3; } }); console.log('started');";
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), timeout: 30_000 });
  expect(stdout.trim()).toBe('started');
});
