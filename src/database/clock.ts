import { Injectable } from '@nestjs/common';

/**
 * The time the stores and the clean-up go by. Tests and the bench move it forward to live through
 * a month or a year of refreshes in seconds; nothing else does.
 */
@Injectable()
export class Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves this app's time forward (tests and the bench only). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
