import { describe, expect, it } from 'vitest';
import {
  COMPONENT_CHANNELS,
  EVENT_CATALOG,
  EVENTS,
  OWN_EVENT_RANGES,
  eventDefinition,
  renderEventMessage,
  renderTemplate,
} from '../../src/core/events';

describe('event catalog', () => {
  it.each([
    [4, 'TerminalServices-Licensing', 'license-server'],
    [18, 'TerminalServices-Licensing', 'license-server'],
    [21, 'TerminalServices-Licensing', 'license-server'],
    [89, 'TerminalServices-Licensing', 'license-server'],
    [4141, 'TerminalServices-Licensing', 'license-server'],
    [1004, 'TerminalServices-RemoteConnectionManager', 'session-host'],
    [1028, 'TerminalServices-RemoteConnectionManager', 'session-host'],
    [1068, 'TerminalServices-RemoteConnectionManager', 'session-host'],
    [1069, 'TerminalServices-RemoteConnectionManager', 'session-host'],
    [50282, 'TerminalServices-RemoteConnectionManager', 'session-host'],
  ])('has the real RDS event %i on channel %s', (id, channel, component) => {
    expect(eventDefinition(id)).toMatchObject({ id, channel, component });
  });

  it('has unique ids and unique names', () => {
    const ids = EVENT_CATALOG.map((e) => e.id);
    const names = EVENT_CATALOG.map((e) => e.name);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(names).size).toBe(names.length);
    expect(EVENTS.HOST_NOT_ALLOWED).toBe(4141);
  });

  it('keeps our own events in their component range and channel', () => {
    for (const event of EVENT_CATALOG.filter((e) => e.id >= 9000 && e.id < 10000)) {
      const [low, high] = OWN_EVENT_RANGES[event.component];
      expect(event.id, event.name).toBeGreaterThanOrEqual(low);
      expect(event.id, event.name).toBeLessThanOrEqual(high);
      expect(event.channel, event.name).toBe(COMPONENT_CHANNELS[event.component]);
    }
  });

  it('names events in UPPER_SNAKE and gives each a message', () => {
    for (const event of EVENT_CATALOG) {
      expect(event.name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(event.message.length).toBeGreaterThan(10);
    }
  });

  it('fills placeholders from the data and leaves a missing one visible', () => {
    expect(renderEventMessage(4141, { host: 'RDSH-07' })).toContain('The session host RDSH-07 is not in');
    expect(renderTemplate('{a} and {b} and {c}', { a: 1, b: { x: true } })).toBe('1 and {"x":true} and {c}');
    expect(renderTemplate('at {when}', { when: new Date('2025-01-01T00:00:00Z') })).toBe('at 2025-01-01T00:00:00.000Z');
  });

  it('renders an unknown id with its data', () => {
    expect(renderEventMessage(99999, { a: 'b' })).toBe('Event 99999: a=b.');
    expect(renderEventMessage(99999)).toBe('Event 99999.');
  });
});
