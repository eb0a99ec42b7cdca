import { ApplicationFailure } from '@temporalio/common';
import { ERROR_TYPES } from '../errors';
import type { Logger } from '../log';
import { notifyReference, resolveNotifyUrl, scrubNotifyUrl } from '../notify/destination';
import { buildMessage } from '../notify/message';
import type { NotifyEvent, NotifySettings } from '../notify/types';

/** How long one attempt waits for the webhook to answer. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/** The notify activity: POSTs the alert as JSON. Retried by the workflow's policy; sending twice is harmless. */
export function createNotifyActivities({ log }: { log: Logger }) {
  return {
    async sendNotification({ settings, event }: { settings: NotifySettings; event: NotifyEvent }): Promise<{ status: number }> {
      const message = buildMessage(event, settings);
      // Only the reference appears in errors and logs, which end up in history and log files.
      const shown = notifyReference(settings.url);
      const url = resolveNotifyUrl(settings.url);
      if (url === undefined) {
        throw ApplicationFailure.nonRetryable(
          `alert destination ${shown} is not a webhook this worker knows: give the worker its URL in SPARKIFY_NOTIFY_URL (several: SPARKIFY_NOTIFY_URLS, comma-separated)`,
          ERROR_TYPES.config,
        );
      }
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        });
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
        // Not attached as the cause: it travels into history and may quote the URL, whose path is secret.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(`webhook ${shown} could not be reached: ${scrubNotifyUrl(cause, url)}`);
      }
      const body = await response.text().catch(() => '');
      if (!response.ok) {
        const text = `webhook ${shown} answered ${response.status}${body ? `: ${scrubNotifyUrl(body.slice(0, 200), url)}` : ''}`;
        // A 4xx other than timeout/rate limit will say the same next time: no point retrying.
        if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          throw ApplicationFailure.nonRetryable(text, ERROR_TYPES.webhookRejected);
        }
        throw new Error(text);
      }
      log.info({ destination: shown, outcome: event.outcome, workflowId: event.workflowId }, 'alert sent');
      return { status: response.status };
    },
  };
}
