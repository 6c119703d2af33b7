import { describe, expect, it } from 'vitest';
import { DEVICE_LONG_POLL_CEILING_SECONDS } from '../../../protocol/index';
import { LocalNotifier } from '../../../server/notifier';
import { UserStateCache, type StateConfirmation } from '../../../server/user-state-cache';

/** Counts the reads that reached "the database". */
function counter() {
  let reads = 0;
  return {
    load: (value: string) => async () => {
      reads += 1;
      return value;
    },
    reads: () => reads,
  };
}

class DeafNotifier extends LocalNotifier {
  deaf = false;
  override hearsEverything(): boolean {
    return !this.deaf;
  }
}

describe('the per-user state kept between announcements', () => {
  it('answers from memory until a change of that user is announced, whoever else changes', async () => {
    const notifier = new LocalNotifier();
    const cache = new UserStateCache<string>(notifier, 10);
    const db = counter();
    expect(await cache.read('usr_a', db.load('v1'))).toBe('v1');
    expect(await cache.read('usr_a', db.load('unused'))).toBe('v1');
    notifier.heard('usr_b', null);
    expect(await cache.read('usr_a', db.load('unused'))).toBe('v1');
    expect(db.reads()).toBe(1);
    notifier.heard('usr_a', 'dev_x');
    expect(await cache.read('usr_a', db.load('v2'))).toBe('v2');
    expect(db.reads()).toBe(2);
  });

  it('does not keep a read during which a change was announced (it may have read the state before the change)', async () => {
    const notifier = new LocalNotifier();
    const cache = new UserStateCache<string>(notifier, 10);
    const racing = await cache.read('usr_a', async () => {
      notifier.heard('usr_a', null);
      return 'read before the change';
    });
    expect(racing).toBe('read before the change');
    expect(await cache.read('usr_a', async () => 'after')).toBe('after');
    expect(await cache.read('usr_a', async () => 'unused')).toBe('after');
  });

  it('forgets everything when everyone is woken (a clock jump, a reconnection)', async () => {
    const notifier = new LocalNotifier();
    const cache = new UserStateCache<string>(notifier, 10);
    await cache.read('usr_a', async () => 'a1');
    await cache.read('usr_b', async () => 'b1');
    notifier.wakeAll();
    expect(await cache.read('usr_a', async () => 'a2')).toBe('a2');
    expect(await cache.read('usr_b', async () => 'b2')).toBe('b2');
  });

  it('keeps nothing while announcements may be lost (LISTEN connection down)', async () => {
    const notifier = new DeafNotifier();
    const cache = new UserStateCache<string>(notifier, 10);
    await cache.read('usr_a', async () => 'a1');
    notifier.deaf = true;
    const db = counter();
    await cache.read('usr_a', db.load('a2'));
    await cache.read('usr_a', db.load('a3'));
    expect(db.reads()).toBe(2);
    notifier.deaf = false;
    expect(await cache.read('usr_a', async () => 'a4')).toBe('a4');
  });

  it('holds at most its capacity, dropping the users stored longest ago', async () => {
    const notifier = new LocalNotifier();
    const cache = new UserStateCache<string>(notifier, 2);
    await cache.read('usr_a', async () => 'a');
    await cache.read('usr_b', async () => 'b');
    await cache.read('usr_c', async () => 'c');
    expect(cache.size).toBe(2);
    expect(await cache.read('usr_a', async () => 'a again')).toBe('a again');
    expect(await cache.read('usr_c', async () => 'unused')).toBe('c');
  });
});

/** A confirmation over a fake database of versions, on a fake clock; rounds are run by the test (the timer never fires). */
function confirmed(initial: Record<string, string>) {
  const versions = new Map(Object.entries(initial));
  let time = 1_000_000;
  let hearing = true;
  const asked: string[][] = [];
  const notifier = new LocalNotifier();
  const confirmation: StateConfirmation<string> = {
    intervalMs: 3_600_000,
    maxUnconfirmedMs: 5_000,
    versionOf: (value) => value.split('@')[1] ?? null,
    async changedUsers(kept) {
      // Cannot confirm that every announcement was heard: no answer.
      if (!hearing) return null;
      asked.push([...kept.keys()]);
      return [...kept].filter(([userId, version]) => (versions.get(userId) ?? null) !== version).map(([userId]) => userId);
    },
  };
  const cache = new UserStateCache<string>(notifier, 10, confirmation, () => time);
  return {
    notifier, cache, asked,
    /** The database's value of a user: `<name>@<version>`. */
    load: (userId: string) => async () => `${userId}@${versions.get(userId) ?? ''}`,
    set: (userId: string, version: string) => versions.set(userId, version),
    advance: (ms: number) => {
      time += ms;
    },
    deaf: () => {
      hearing = false;
    },
  };
}

describe('the kept states confirmed against the database (several instances)', () => {
  it('a state nobody confirmed for 5 s is read again, however quiet the announcements', async () => {
    const { cache, load, advance } = confirmed({ usr_a: '1' });
    let reads = 0;
    const counted = (userId: string) => async () => {
      reads += 1;
      return load(userId)();
    };
    await cache.read('usr_a', counted('usr_a'));
    advance(4_999);
    await cache.read('usr_a', counted('usr_a'));
    expect(reads).toBe(1);
    advance(1);
    await cache.read('usr_a', counted('usr_a'));
    expect(reads).toBe(2);
  });

  it('a round confirms every user in use in one question, and their states are used on', async () => {
    const { cache, asked, load, advance } = confirmed({ usr_a: '1', usr_b: '7' });
    await cache.read('usr_a', load('usr_a'));
    await cache.read('usr_b', load('usr_b'));
    advance(4_000);
    await cache.confirmRound();
    expect(asked).toEqual([['usr_a', 'usr_b']]);
    advance(4_000);
    expect(await cache.read('usr_a', async () => 'unused')).toBe('usr_a@1');
    expect(await cache.read('usr_b', async () => 'unused')).toBe('usr_b@7');
  });

  it('a user whose version moved unannounced is forgotten and their waiters woken', async () => {
    const { cache, notifier, load, set } = confirmed({ usr_a: '1', usr_b: '1' });
    await cache.read('usr_a', load('usr_a'));
    await cache.read('usr_b', load('usr_b'));
    const woken: string[] = [];
    notifier.subscribe('usr_a', () => woken.push('usr_a'));
    notifier.subscribe('usr_b', () => woken.push('usr_b'));
    set('usr_a', '2');
    await cache.confirmRound();
    expect(woken).toEqual(['usr_a']);
    expect(cache.unannouncedChanges).toBe(1);
    expect(await cache.read('usr_a', load('usr_a'))).toBe('usr_a@2');
    expect(await cache.read('usr_b', async () => 'unused')).toBe('usr_b@1');
  });

  it('a round that cannot confirm hearing every announcement confirms nothing', async () => {
    const { cache, asked, load, advance, deaf } = confirmed({ usr_a: '1' });
    await cache.read('usr_a', load('usr_a'));
    advance(4_000);
    deaf();
    await cache.confirmRound();
    expect(asked).toEqual([]);
    advance(1_000);
    expect(await cache.read('usr_a', async () => 'read again')).toBe('read again');
  });

  it('a state read again during a round is not judged by it', async () => {
    const { cache, notifier, load, set } = confirmed({ usr_a: '1' });
    await cache.read('usr_a', load('usr_a'));
    set('usr_a', '2');
    const round = cache.confirmRound();
    // Announced and read again while the round asks: the round's answer is about the replaced state.
    notifier.heard('usr_a', null);
    await cache.read('usr_a', load('usr_a'));
    await round;
    expect(cache.unannouncedChanges).toBe(0);
    expect(await cache.read('usr_a', async () => 'unused')).toBe('usr_a@2');
  });

  it('a user whose device waits the longest hold a server may grant is kept and confirmed; one nobody asked for longer is dropped', async () => {
    const longestHoldMs = DEVICE_LONG_POLL_CEILING_SECONDS * 1000;
    const { cache, asked, load, advance } = confirmed({ usr_a: '1', usr_b: '1' });
    await cache.read('usr_a', load('usr_a'));
    advance(40_000);
    await cache.read('usr_b', load('usr_b'));
    // usr_a's device has waited its whole hold (and a few seconds' grace): its state is still kept, and confirmed.
    advance(longestHoldMs - 40_000 + 5_000);
    await cache.confirmRound();
    expect(asked).toEqual([['usr_a', 'usr_b']]);
    expect(await cache.read('usr_a', async () => 'unused')).toBe('usr_a@1');
    // Nobody asked for usr_b since: dropped once past the longest hold and its margin.
    advance(longestHoldMs);
    await cache.confirmRound();
    expect(asked.at(-1)).toEqual(['usr_a']);
    expect(cache.size).toBe(1);
  });
});
