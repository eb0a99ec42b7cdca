import { ApplicationFailure } from '@temporalio/common';
import { ERROR_TYPES } from '../errors';
import type { Logger } from '../log';
import { buildMessage } from '../notify/message';
import type { NotifyEvent, NotifySettings } from '../notify/types';

/** How long one attempt waits for the webhook to answer. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/** The notify activity: POSTs the alert as JSON. Retried by the workflow's policy; sending twice is harmless. */
export function createNotifyActivities({ log }: { log: Logger }) {
  return {
    async sendNotification({ settings, event }: { settings: NotifySettings; event: NotifyEvent }): Promise<{ status: number }> {
      const message = buildMessage(event, settings);
      let response: Response;
      try {
        response = await fetch(settings.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        });
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
        throw new Error(`webhook ${settings.url} could not be reached: ${cause}`, { cause: err });
      }
      const body = await response.text().catch(() => '');
      if (!response.ok) {
        const text = `webhook ${settings.url} answered ${response.status}${body ? `: ${body.slice(0, 200)}` : ''}`;
        // A 4xx other than timeout/rate limit will say the same next time: no point retrying.
        if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          throw ApplicationFailure.nonRetryable(text, ERROR_TYPES.webhookRejected);
        }
        throw new Error(text);
      }
      log.info({ url: settings.url, outcome: event.outcome, workflowId: event.workflowId }, 'alert sent');
      return { status: response.status };
    },
  };
}
