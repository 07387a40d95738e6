import type { Log } from '../observability/logger.js';
import type { EventStore } from '../store/events.js';
import type { Clock } from '../util/clock.js';
import { randomAlphanumeric } from '../util/ids.js';
import type { SecurityEvent } from './types.js';

/**
 * Records security events for `GET /api/v2/logs`. Recording never fails a request: a write that
 * fails is logged. Codes and secrets are never part of an event.
 */
export class SecurityLog {
  constructor(
    private readonly events: EventStore,
    private readonly clock: Clock,
    private readonly log: Log,
  ) {}

  private sequence = 0;

  /**
   * Ids sort in the order events happened (Auth0's checkpoint paging, `?from=<log_id>`, relies on
   * it): the time, then a counter for events in the same millisecond, then randomness so that
   * nodes never collide.
   */
  private nextId(now: number): string {
    this.sequence = (this.sequence + 1) % 36 ** 6;
    return `${now.toString(36).padStart(9, '0')}${this.sequence.toString(36).padStart(6, '0')}${randomAlphanumeric(9)}`;
  }

  async record(event: SecurityEvent): Promise<void> {
    const now = this.clock.now();
    try {
      await this.events.insert({
        id: this.nextId(now),
        date: now,
        type: event.type,
        description: event.description,
        client_id: event.clientId ?? null,
        client_name: event.clientName ?? null,
        connection_id: event.connectionId ?? null,
        connection: event.connection ?? null,
        ip: event.ip ?? null,
        user_agent: event.userAgent ?? null,
        phone_number: event.phone ?? null,
        user_id: event.userId ?? null,
        rule: event.rule ?? null,
        details: JSON.stringify(event.details ?? {}),
      });
    } catch (err) {
      this.log.error({ err, type: event.type }, 'recording a security event failed');
    }
  }
}
