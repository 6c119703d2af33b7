import { describe, expect, it } from 'vitest';
import { LocalNotifier } from '../../../server/notifier';
import { UserStateCache } from '../../../server/user-state-cache';

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
