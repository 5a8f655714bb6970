// The events Table as Kubernetes' printEvent builds it: LAST SEEN (falling back to the
// first time, or eventTime for events.k8s.io-style events), TYPE, REASON, OBJECT as
// kind/name, MESSAGE; wide: SUBOBJECT, SOURCE, FIRST SEEN, COUNT, NAME.

import type { KubeObject, TableRow } from '../../../../api/types.js';
import { column, tableOf } from './columns.js';
import { timestampAge } from './human-duration.js';

export const eventColumnDefinitions = [
  column('Last Seen', 'string', 'The last time this event was observed.'),
  column('Type', 'string', 'Type of this event (Normal, Warning).'),
  column('Reason', 'string', 'A short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
  column('Object', 'string', 'The object that this event is about.'),
  column('Subobject', 'string', 'The part of the object this event is about (a container\'s field path).', 1),
  column('Source', 'string', 'The component reporting this event.', 1),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  column('First Seen', 'string', 'The time at which the event was first recorded.', 1),
  column('Count', 'string', 'The number of times this event has occurred.', 1),
  column('Name', 'string', 'The name of the event.', 1),
];

interface EventFields {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string } | null;
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

function source(e: EventFields): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  if (!component) return '';
  return instance ? `${component}, ${instance}` : component;
}

export function printEvent(obj: KubeObject, now: Date): TableRow {
  const e = obj as KubeObject & EventFields;
  const first = e.firstTimestamp ? timestampAge(e.firstTimestamp, now) : timestampAge(e.eventTime, now);
  let last = e.lastTimestamp ? timestampAge(e.lastTimestamp, now) : first;
  let count = e.count ?? 0;
  if (e.series) {
    last = timestampAge(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  const target = e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
  return {
    cells: [last, e.type ?? '', e.reason ?? '', target, e.involvedObject?.fieldPath ?? '', source(e), (e.message ?? '').trim(), first, count, obj.metadata.name ?? ''],
  };
}

export const eventTable = tableOf<KubeObject>(eventColumnDefinitions, printEvent);
