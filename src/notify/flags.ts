import { Option, type Command } from 'commander';
import { ConfigError } from '../config';
import { notifyReference, rememberNotifyUrl } from './destination';
import { NOTIFY_ON, type NotifyOn, type NotifySettings } from './types';

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
    .addOption(withEnv(new Option('--notify-url <url>', 'POST a JSON alert (Slack-compatible `text`) to this webhook'), 'SPARKIFY_NOTIFY_URL'))
    .addOption(new Option('--notify-on <level>', 'when to alert: failure | warning (also failed warn checks) | always (default failure)').choices([...NOTIFY_ON]))
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

const FLAG_NAMES = (key: 'notifyUrl' | 'webUi') => (key === 'notifyUrl' ? '--notify-url' : '--web-ui');

/**
 * The alert settings the flags ask for, or undefined when no --notify-url is given. They name the
 * webhook by reference only (destination.ts): the URL itself stays in this process, for its own
 * worker, and a separate worker needs it in SPARKIFY_NOTIFY_URL(S). A bad URL is reported under
 * `settingName`'s name for it: the flag, or the environment variable it came from.
 */
export function notifyFromFlags(flags: NotifyFlags, settingName: (key: 'notifyUrl' | 'webUi') => string = FLAG_NAMES): NotifySettings | undefined {
  if (!flags.notifyUrl) {
    if (flags.notifyOn) throw new ConfigError('--notify-on needs --notify-url (or SPARKIFY_NOTIFY_URL): where should the alert go?');
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
