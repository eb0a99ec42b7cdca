import type { TelemetryOptions } from '@temporalio/worker';
import { ConfigError } from '../config';

/** Where the worker's Prometheus endpoint listens: `PORT` (all interfaces) or `HOST:PORT`. */
export interface MetricsEndpoint {
  host: string;
  port: number;
}

export function parseMetricsEndpoint(value: string, flag = '--metrics-port'): MetricsEndpoint {
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new ConfigError(`${flag}: "${value}" is not a port (1-65535) or HOST:PORT`);
  return { host: m[1] ?? '0.0.0.0', port };
}

/**
 * The SDK runtime's telemetry with its Prometheus exporter on the endpoint: the SDK's own metrics
 * (prefix temporal_) and the pipeline's (sparkify_, recorded on the same meter) at GET /metrics.
 */
export function prometheusTelemetry(endpoint: MetricsEndpoint): TelemetryOptions {
  return {
    metrics: {
      prometheus: {
        bindAddress: `${endpoint.host}:${endpoint.port}`,
        countersTotalSuffix: true,
        unitSuffix: true,
        // ETL steps take from milliseconds to hours: buckets up to 6 h.
        histogramBucketOverrides: { sparkify_step_duration: [100, 500, 1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000] },
      },
    },
  };
}
