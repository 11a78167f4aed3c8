// Reading metrics back in tests: a registry's figures by name and labels,
// and a policy whose data callout ends each way a call can end.
import { spawnSync } from 'node:child_process';
import type { Registry } from 'prom-client';
import { module } from '../pool/helpers.js';

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** Every sample of every metric on the registry, as prom-client reports them. */
export async function samples(registry: Registry): Promise<Map<string, Sample[]>> {
  const out = new Map<string, Sample[]>();
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const v of metric.values as Sample[]) {
      const name = v.metricName ?? metric.name;
      if (!out.has(name)) out.set(name, []);
      out.get(name)!.push(v);
    }
  }
  return out;
}

/** The value of the sample with exactly these labels (a missing series reads 0; two matches throw). */
export function value(all: Map<string, Sample[]>, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  const matches = (all.get(name) ?? []).filter((s) => Object.keys(s.labels).length === wanted.length && wanted.every(([k, v]) => String(s.labels[k]) === v));
  if (matches.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${matches.length} samples`);
  return matches[0]?.value ?? 0;
}

/** Every sample of a metric. */
export function series(all: Map<string, Sample[]>, name: string): Sample[] {
  return all.get(name) ?? [];
}

/**
 * Module "t": its data callout ends as the Subject says (reply codes,
 * discard, an error, no return value), after a short busy loop so that
 * batches queue up on both workers; its rcptto callout continues.
 */
export const OUTCOMES_MODULE = module({
  data: `
    local t0 = os.clock() while os.clock() - t0 < 0.0005 do end
    local subject = msg:header("Subject")[1] or ""
    if subject == "accept" then vctx:set_code(250, "2.0.0 ok")
    elseif subject == "reject" then vctx:set_code(550, "5.7.1 no") return msys.core.VALIDATE_DONE
    elseif subject == "tempfail" then vctx:set_code(451, "4.7.1 later")
    elseif subject == "discard" then msg:discard()
    elseif subject == "fail" then error("failing on purpose")
    elseif subject == "nothing" then return
    end`,
  rcptto: '',
});

/** Module "second": a data callout that continues. */
export const SECOND_MODULE = `local mod = {}
function mod:validate_data(msg, accept, vctx) return msys.core.VALIDATE_CONT end
msys.registerModule("second", mod)`;

/**
 * The path of a Debian tool a test needs, or undefined after marking the
 * test skipped (naming the package); under CI=true a missing tool fails.
 */
export function debianTool(t: { skip: (reason: string) => void }, tool: string, pkg: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  const path = found.status === 0 ? found.stdout.trim() : '';
  if (path) return path;
  const reason = `${tool} is not installed (Debian package ${pkg})`;
  if (process.env.CI === 'true') throw new Error(reason);
  t.skip(reason);
  return undefined;
}
