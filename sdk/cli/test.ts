/**
 * `connector test <manifest…>`: runs the manifests' test scenarios offline (a local server
 * answers every request, a virtual clock moves time) and reports each scenario as passed or
 * failed; a failure lists what differed and the requests the connector made.
 */
import { runManifestTests, type ManifestReport, type ScenarioReport } from '../testkit/scenario-runner.js';
import { plural } from '../manifest/message-text.js';
import { failure, formatOption, parseCommandLine, readFormat, usageError } from './command-line.js';
import type { Paint } from './colour.js';
import { formatDiagnostic } from './format-diagnostics.js';
import { EXIT, EXIT_TABLE } from './exit-status.js';
import { Printer } from './output.js';

export const usage = `Usage: connector test <manifest…> [--format text|json] [--scenario <name>]

Runs the scenarios in each manifest's "tests" offline: every request goes to a local server
that answers with the scenario's responses (or fixtures saved by connector record), on a
virtual clock. Prints pass or fail per scenario, and for a failure what differed and the
requests made (method, path, status).

Options:
  --scenario <name>   run only the scenarios with this name
  --format text|json  output format (default: text)
  -h, --help          show this help

${EXIT_TABLE}`;

export async function run(argv: string[]): Promise<number> {
  const out = new Printer();
  const parsed = parseCommandLine('test', usage, argv, { ...formatOption, scenario: { type: 'string' } }, out);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const format = readFormat('test', usage, values, out);
  if (typeof format === 'number') return format;
  // A shell glob over connectors/*.json also picks up the recorded fixture files.
  const manifests = parsed.positionals.filter((file) => !file.endsWith('.fixtures.json'));
  if (manifests.length === 0) return usageError('test', usage, 'no manifest given', out);

  const reports: ManifestReport[] = [];
  try {
    // The runner adds every scenario's secrets (x-secret credentials, the tokens and cookies its server issued) to the printer's redactor.
    for (const file of manifests) reports.push(await runManifestTests(file, { scenario: values.scenario, redactor: out.redactor }));
  } catch (error) {
    return failure('test', usage, error, out);
  }
  const ran = reports.reduce((sum, report) => sum + report.scenarios.length, 0);
  if (values.scenario !== undefined && ran === 0 && reports.every((report) => report.valid)) {
    return usageError('test', usage, `no scenario is named "${values.scenario}"`, out);
  }
  if (format === 'json') out.json(jsonReport(reports));
  else out.out(textReport(reports, out.paint.out));
  if (reports.some((report) => !report.valid && report.readable !== false)) return EXIT.invalidManifest;
  if (reports.some((report) => report.readable === false)) return EXIT.usage;
  return reports.every((report) => report.scenarios.every((scenario) => scenario.passed)) ? EXIT.ok : EXIT.failed;
}

function jsonReport(reports: readonly ManifestReport[]) {
  const scenarios = reports.flatMap((report) => report.scenarios);
  return {
    passed: reports.every((report) => report.valid) && scenarios.every((scenario) => scenario.passed),
    scenarios: scenarios.length,
    failed: scenarios.filter((scenario) => !scenario.passed).length,
    manifests: reports,
  };
}

function textReport(reports: readonly ManifestReport[], paint: Paint): string {
  const lines: string[] = [];
  for (const report of reports) {
    lines.push(report.connector ? `${report.file} (${report.connector})` : report.file);
    if (!report.valid) {
      for (const diagnostic of report.diagnostics) lines.push(`  ${formatDiagnostic(diagnostic, report.file, paint)}`);
      lines.push('  invalid manifest: no scenario ran');
      continue;
    }
    if (report.scenarios.length === 0) lines.push('  no scenarios (add them under "tests")');
    for (const scenario of report.scenarios) lines.push(...scenarioLines(scenario, paint));
  }
  const scenarios = reports.flatMap((report) => report.scenarios);
  const failed = scenarios.filter((scenario) => !scenario.passed).length;
  const invalid = reports.filter((report) => !report.valid).length;
  lines.push(
    `${plural(scenarios.length, 'scenario')} in ${plural(reports.length, 'manifest')}: ${scenarios.length - failed} passed, ${failed} failed` +
      (invalid > 0 ? `, ${plural(invalid, 'invalid manifest')}` : ''),
  );
  return `${lines.join('\n')}\n`;
}

function scenarioLines(scenario: ScenarioReport, paint: Paint): string[] {
  if (scenario.passed) return [`  ${paint('pass', 'green')}  ${scenario.name}  (${plural(scenario.requests.length, 'request')}, ${scenario.durationMs} ms)`];
  const lines = [`  ${paint('FAIL', 'red')}  ${scenario.name}  (${scenario.pointer})`];
  for (const failure of scenario.failures) lines.push(`        ${failure}`);
  lines.push('        requests:');
  if (scenario.requests.length === 0) lines.push('          none');
  const width = Math.max(0, ...scenario.requests.map((request) => `${request.method} ${pathOf(request.path)}`.length));
  for (const request of scenario.requests) {
    const what = [request.kind, request.note].filter(Boolean).join(', ');
    lines.push(`          ${String(request.seq).padStart(2)}  ${`${request.method} ${pathOf(request.path)}`.padEnd(width)}  ${request.status}${what ? `  ${what}` : ''}`);
  }
  // What the connection said (reasons name the manifest field at fault), once each, unless a failure line says it already.
  const told = new Map<string, number>();
  for (const event of scenario.events) {
    if (event.detail === undefined || event.type === 'response' || scenario.failures.some((failure) => failure.includes(event.detail as string))) continue;
    const line = `${event.type}: ${event.detail}`;
    told.set(line, (told.get(line) ?? 0) + 1);
  }
  if (told.size > 0) {
    lines.push('        the connection reported:');
    for (const [line, count] of told) lines.push(`          ${line}${count > 1 ? ` (${count} times)` : ''}`);
  }
  lines.push(`        events: ${scenario.events.filter((event) => event.type !== 'request' && event.type !== 'response').map((event) => event.type).join(', ') || 'none'}`);
  return lines;
}

/** Paths without their query: query values may carry (fake) tokens and make lines unreadable. */
function pathOf(path: string): string {
  const mark = path.indexOf('?');
  return mark === -1 ? path : `${path.slice(0, mark)}?…`;
}
