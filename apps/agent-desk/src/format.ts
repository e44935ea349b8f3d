/** A formatted timestamp, in UTC so screenshots do not depend on the machine's zone. */
export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(new Date(iso))
}
