/**
 * The server's time as seen from the browser. Expiry times (login validations, operations, codes) come from
 * the server's clock, and a workstation's clock can be minutes off: countdowns use this estimate, built from
 * the `Date` header of every answer (one-second resolution, so differences under two seconds are ignored).
 */
const SIGNIFICANT_SKEW_MS = 2_000;

class ServerClock {
  private offsetMs = 0;

  observe(dateHeader: string | null): void {
    if (!dateHeader) return;
    const serverMs = Date.parse(dateHeader);
    if (Number.isNaN(serverMs)) return;
    const measured = serverMs - Date.now();
    // The header is truncated to the second: the true offset lies in [measured, measured + 1000).
    if (Math.abs(measured + 500 - this.offsetMs) > SIGNIFICANT_SKEW_MS) this.offsetMs = measured + 500;
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }
}

export const serverClock = new ServerClock();
