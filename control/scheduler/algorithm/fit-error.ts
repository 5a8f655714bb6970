// The FailedScheduling text, formatted as kube-scheduler's FitError.Error() formats it, so
// `kubectl describe pod` reads the same as on any cluster. The PostFilter (preemption)
// suffix newer releases append is left out: Skiff does not preempt.

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/**
 * "0/3 nodes are available: 1 Insufficient memory, 2 node(s) were unschedulable."
 * kube-scheduler sorts the formatted "<count> <reason>" strings, count included, so the
 * order is by count text first; that quirk is kept to match it byte for byte.
 */
export function fitErrorMessage(numAllNodes: number, reasons: ReadonlyMap<string, number>): string {
  const histogram: string[] = [];
  for (const [reason, count] of reasons) histogram.push(`${count} ${reason}`);
  histogram.sort();
  let message = `0/${numAllNodes} nodes are available:`;
  if (histogram.length > 0) message += ` ${histogram.join(', ')}.`;
  return message;
}
