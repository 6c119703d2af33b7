/**
 * How big and how long each measurement is. `full` is the run whose numbers go in the README; `quick` keeps every
 * code path alive (the test suite runs it) in well under a minute, and its timings mean nothing.
 */

import type { BenchHoldPolicy } from './fleet-ipc';

export type ProfileName = 'quick' | 'full';

export interface BenchProfile {
  name: ProfileName;
  /** How long the simulated devices' long-polls wait at first (the app starts at 25 s). */
  longPollWaitSeconds: number;
  /** The longest the server holds a long-poll (its SA_LONG_POLL_MAX_SECONDS, 120 s by default): devices grow to it. */
  longPollMaxSeconds: number;
  /** Changes to the app's hold policy: a quick run scales its seconds down with the holds. */
  hold: BenchHoldPolicy;
  /** Devices started together while ramping up the idle fleet. */
  rampBatch: number;
  /** Pause after a fleet is up, before memory is read (sockets settle, the last answers are written). */
  settleMs: number;
  wakeup: {
    /** Idle long-polling devices in the two measurements (the 1,000 and 10,000). */
    smallFleet: number;
    largeFleet: number;
    /**
     * Validations created per second, one device after the other: a steady trickle (90,000 an hour, far more than a
     * bank's peak), so that what is measured is the wake-up among idle devices, not a saturated server.
     */
    rate: number;
    /** Validations measured at each fleet size. */
    samplesSmall: number;
    samplesLarge: number;
  };
  idle: {
    /** Server CPU with nothing connected: any timer spinning shows here. */
    emptyWindowSeconds: number;
    /** Requests counted with the large fleet idle: a whole number of the longest holds, so phases average out. */
    periods: number;
  };
  proxy: {
    /** Devices behind a proxy that cuts idle connections (a corporate proxy's 30 s). */
    devices: number;
    idleCutSeconds: number;
    /** Validations created once the devices learned the cut, at `rate` per second. */
    samples: number;
    rate: number;
    /** Requests counted after learning: a whole number of the learned holds. */
    periods: number;
  };
  interval: {
    /** Devices polling without waiting, per interval. */
    devices: number;
    intervalsSeconds: readonly number[];
    /** Validations per second, per interval population. */
    rate: number;
    durationSeconds: number;
  };
  throughput: {
    /** Devices (one per user) deciding what they receive. */
    devices: number;
    /** Validations created and not yet recorded, at most. */
    inFlight: number;
    warmupSeconds: number;
    durationSeconds: number;
    /** After creation stops: time left for the last decisions to be recorded. */
    drainSeconds: number;
  };
  twoInstances: {
    devices: number;
    rate: number;
    samples: number;
  };
  largeFleet: {
    /** Idle devices, half on each of two instances sharing one PostgreSQL database. */
    devices: number;
  };
  restart: {
    /** Idle devices spread over two instances through a load balancer while one of them restarts. */
    devices: number;
    /** Validations created per second on the instance that stays, before and after the SIGTERM. */
    rate: number;
    beforeSeconds: number;
    afterSeconds: number;
  };
  client: {
    accounts: number;
    /** Idle time before the client's memory is read. */
    settleSeconds: number;
  };
  crypto: {
    secondsPerOperation: number;
  };
}

export const PROFILES: Record<ProfileName, BenchProfile> = {
  full: {
    name: 'full',
    longPollWaitSeconds: 25,
    longPollMaxSeconds: 120,
    hold: {},
    rampBatch: 500,
    settleMs: 2_000,
    wakeup: { smallFleet: 1_000, largeFleet: 10_000, rate: 25, samplesSmall: 500, samplesLarge: 1_000 },
    idle: { emptyWindowSeconds: 10, periods: 1 },
    proxy: { devices: 300, idleCutSeconds: 30, samples: 300, rate: 25, periods: 2 },
    interval: { devices: 200, intervalsSeconds: [1, 5], rate: 10, durationSeconds: 30 },
    throughput: { devices: 200, inFlight: 64, warmupSeconds: 5, durationSeconds: 30, drainSeconds: 15 },
    twoInstances: { devices: 1_000, rate: 25, samples: 500 },
    largeFleet: { devices: 30_000 },
    restart: { devices: 10_000, rate: 25, beforeSeconds: 10, afterSeconds: 20 },
    client: { accounts: 5, settleSeconds: 10 },
    crypto: { secondsPerOperation: 2 },
  },
  quick: {
    name: 'quick',
    longPollWaitSeconds: 2,
    longPollMaxSeconds: 4,
    // Seconds instead of tens of seconds: a cut at 3 s is learned (hold 2 s), not taken for a failure.
    hold: { shortestSeconds: 1, minMarginSeconds: 1, shortestCutMs: 1_000 },
    rampBatch: 50,
    settleMs: 200,
    wakeup: { smallFleet: 20, largeFleet: 50, rate: 40, samplesSmall: 40, samplesLarge: 60 },
    idle: { emptyWindowSeconds: 1, periods: 1 },
    proxy: { devices: 20, idleCutSeconds: 3, samples: 20, rate: 20, periods: 2 },
    interval: { devices: 10, intervalsSeconds: [1, 5], rate: 5, durationSeconds: 2 },
    throughput: { devices: 20, inFlight: 16, warmupSeconds: 0.5, durationSeconds: 3, drainSeconds: 5 },
    twoInstances: { devices: 20, rate: 40, samples: 40 },
    largeFleet: { devices: 60 },
    restart: { devices: 40, rate: 20, beforeSeconds: 1, afterSeconds: 3 },
    client: { accounts: 5, settleSeconds: 1 },
    crypto: { secondsPerOperation: 0.2 },
  },
};
