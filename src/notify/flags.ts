import { Option, type Command } from 'commander';
import { ConfigError } from '../config';
import { notifyReference, rememberNotifyUrl } from './destination';
import { NOTIFY_ON, type NotifyOn, type NotifySettings } from './types';

/** Where run, backfill and schedule create read the webhook URL when no --notify-url is given. */
const NOTIFY_URL_ENV = 'SPARKIFY_NOTIFY_URL';

export interface NotifyFlags {
  notifyUrl?: string;
  notifyOn?: string;
  webUi?: string;
}

/**
 * --notify-url, --notify-on and --web-ui, the same on run, backfill and schedule create/update.
 * `fromEnv` false (schedule update): flags only, so an update changes only what its command line
 * says, never alerting because SPARKIFY_NOTIFY_URL happens to be set where it is typed.
 */
export function addNotifyOptions(command: Command, fromEnv = true): Command {
  const withEnv = (option: Option, name: string) => (fromEnv ? option.env(name) : option);
  return command
    .addOption(withEnv(new Option('--notify-url <url>', 'POST a JSON alert (Slack-compatible `text`) to this webhook'), NOTIFY_URL_ENV))
    .addOption(new Option('--notify-on <level>', 'when to alert: failure (also a report not written) | warning (also failed warn checks) | always (default failure)').choices([...NOTIFY_ON]))
    .addOption(withEnv(new Option('--web-ui <url>', 'Temporal Web UI base URL, for the link in alerts (e.g. http://localhost:8233)'), 'SPARKIFY_WEB_UI'));
}

/**
 * `value`, checked to be an http(s) URL. A message about it shows it as `shown` gives it: a webhook
 * URL is a secret (its path is the token), so it is named by reference.
 */
function httpUrl(value: string, flag: string, shown: (url: string) => string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${flag}: "${shown(value)}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${flag}: "${shown(value)}" must be an http:// or https:// URL`);
  return value;
}

/** The environment variable the command reads the webhook URL from (addNotifyOptions), if any. */
export function notifyUrlEnv(command: Command): string | undefined {
  return command.options.find((o) => o.attributeName() === 'notifyUrl')?.envVar;
}

/**
 * --notify-on alone, said for the command it was given to: one that reads the URL from `urlEnv`
 * has none there either; schedule update reads none, so the variable is no help to it.
 */
function notifyOnWithoutUrl(urlEnv: string | undefined): string {
  if (urlEnv) return `--notify-on needs --notify-url (or ${urlEnv}): where should the alert go?`;
  return (
    `--notify-on needs --notify-url: where should the alert go? This command takes the webhook from its command line only, ` +
    `not from ${NOTIFY_URL_ENV}: give both, e.g. --notify-url https://hooks.example.com/… --notify-on failure`
  );
}

/**
 * The alert settings the flags ask for, or undefined when no --notify-url is given. They name the
 * webhook by reference only (destination.ts): the URL itself stays in this process, for its own
 * worker, and a separate worker needs it in SPARKIFY_NOTIFY_URL(S). A bad URL is reported under
 * `settingName`'s name for it: the flag, or the environment variable it came from. `urlEnv`: the
 * variable the command reads the URL from (notifyUrlEnv), undefined for one that reads none.
 */
export function notifyFromFlags(flags: NotifyFlags, settingName: (key: 'notifyUrl' | 'webUi') => string, urlEnv: string | undefined): NotifySettings | undefined {
  if (!flags.notifyUrl) {
    if (flags.notifyOn) throw new ConfigError(notifyOnWithoutUrl(urlEnv));
    return undefined;
  }
  const url = httpUrl(flags.notifyUrl, settingName('notifyUrl'), notifyReference);
  rememberNotifyUrl(url);
  return {
    url: notifyReference(url),
    on: (flags.notifyOn as NotifyOn | undefined) ?? 'failure',
    ...(flags.webUi ? { webUi: httpUrl(flags.webUi, settingName('webUi'), (url) => url) } : {}),
  };
}
