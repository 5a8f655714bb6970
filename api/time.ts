// metav1.Time on the wire: RFC 3339 with second precision ("2026-11-22T07:10:17Z").

export function metaTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
