import { createHash } from 'node:crypto';

/**
 * Webhook URLs are secrets (a Slack incoming webhook's path is its credential), and workflow
 * input, history, schedules and logs are readable by anyone with the Web UI. So what travels is a
 * reference: the URL's scheme and host and a fingerprint of the whole URL,
 * `https://hooks.slack.com/…#sha256=0123456789abcdef`. The worker resolves it against the URLs it
 * was given itself: SPARKIFY_NOTIFY_URL, SPARKIFY_NOTIFY_URLS (comma-separated), and those the
 * CLI process registered for its in-process worker.
 */
const FINGERPRINT = /#sha256=([0-9a-f]{16})$/;

function fingerprint(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16);
}

/** The reference to a webhook URL: nothing of its path, query or credentials, only what identifies it. */
export function notifyReference(url: string): string {
  if (isNotifyReference(url)) return url;
  let origin: string;
  try {
    const parsed = new URL(url);
    origin = `${parsed.protocol}//${parsed.host}`;
  } catch {
    origin = 'webhook:';
  }
  return `${origin}/…#sha256=${fingerprint(url)}`;
}

export function isNotifyReference(value: string): boolean {
  return FINGERPRINT.test(value);
}

const registered = new Set<string>();

/** Lets this process's own worker resolve the reference to a URL given on its command line. */
export function rememberNotifyUrl(url: string): void {
  registered.add(url);
}

/** The webhook URLs this worker knows: its environment's and those registered in-process. */
export function knownNotifyUrls(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = [env.SPARKIFY_NOTIFY_URL ?? '', ...(env.SPARKIFY_NOTIFY_URLS ?? '').split(',')].map((u) => u.trim()).filter((u) => u !== '');
  return [...fromEnv, ...registered];
}

/**
 * The URL to POST to: a reference resolved against the known URLs (undefined when none matches),
 * or a plain URL as given (a workflow started by hand with one; its history then holds it).
 */
export function resolveNotifyUrl(value: string, known: string[] = knownNotifyUrls()): string | undefined {
  const m = FINGERPRINT.exec(value);
  if (!m) return value;
  return known.find((url) => fingerprint(url) === m[1] && notifyReference(url) === value);
}

/** `text` with every occurrence of the URL replaced by its reference (for error messages). */
export function scrubNotifyUrl(text: string, url: string): string {
  return url === '' ? text : text.split(url).join(notifyReference(url));
}
