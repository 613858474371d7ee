/**
 * The MCP tools of loaded connectors: one per action, named `<connector id>.<action id>`. MCP's
 * tool-name rule (SEP-986, spec 2025-11-25) allows A-Z a-z 0-9 `_` `-` `.` and 1 to 128
 * characters; manifest ids use lower-case letters, digits, `-` and `_` only, so the dot is legal
 * and never ambiguous. Each tool carries the action's title, description, input schema (file
 * content fields become base64 text: MCP arguments are JSON) and, where the manifest declares
 * one, its output schema in the object shape `structuredContent` must have.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { ConfigurationError, InputError } from '../errors.js';
import type { Action, DataSchema } from '../manifest/types.gen.js';
import type { McpConnector } from './server.js';

/** MCP's longest tool name (SEP-986). */
const MAX_TOOL_NAME = 128;

/** One tool and the action it runs. */
export interface ToolBinding {
  readonly tool: Tool;
  readonly connector: McpConnector;
  readonly actionId: string;
  /** Whether the action answers with a stream (response_format binary): the result is a blob. */
  readonly binary: boolean;
  /** The action's input from the tool's arguments: base64 file fields decoded to bytes. */
  input(args: Record<string, unknown> | undefined): Record<string, unknown> | undefined;
}

/**
 * Every action of every connector as a tool, by tool name. A name over 128 characters or two
 * connectors with one id are refused: MCP clients address tools by name alone.
 *
 * @example
 * const tools = [...toolBindings([snov, docuware]).values()].map((binding) => binding.tool);
 */
export function toolBindings(connectors: readonly McpConnector[]): Map<string, ToolBinding> {
  const bindings = new Map<string, ToolBinding>();
  const ids = new Set<string>();
  for (const connector of connectors) {
    if (ids.has(connector.id)) {
      throw new ConfigurationError('/id', `two connectors have the id "${connector.id}": MCP tool names (<connector id>.<action id>) must be unique`);
    }
    ids.add(connector.id);
    for (const actionId of connector.actions) {
      const binding = bindingOf(connector, actionId);
      bindings.set(binding.tool.name, binding);
    }
  }
  return bindings;
}

function bindingOf(connector: McpConnector, actionId: string): ToolBinding {
  const name = `${connector.id}.${actionId}`;
  if (name.length > MAX_TOOL_NAME) {
    const message = `the MCP tool name "${name}" is ${name.length} characters, more than MCP's ${MAX_TOOL_NAME}: shorten the connector id or the action id`;
    throw new ConfigurationError(`/actions/${actionId}`, message);
  }
  // The schema's `title` of an action is missing from the generated Action type (the generator drops `title` keys).
  const spec = connector.manifest.actions[actionId] as Action & { title?: string };
  const binary = spec.response_format === 'binary';
  const binaryFields = Object.entries(spec.input?.properties ?? {})
    .filter(([, field]) => (field as Record<string, unknown> | undefined)?.['x-binary'] === true)
    .map(([field]) => field);
  const outputSchema = binary || !spec.output_schema ? undefined : structuredSchema(spec.output_schema);
  const tool: Tool = {
    name,
    ...(spec.title ? { title: spec.title } : {}),
    description: spec.description ?? spec.title ?? `${spec.method} ${spec.path}`,
    inputSchema: inputSchema(spec.input, binaryFields),
    ...(outputSchema ? { outputSchema } : {}),
    annotations: { readOnlyHint: spec.method === 'GET' || spec.method === 'HEAD', openWorldHint: true },
  };
  return { tool, connector, actionId, binary, input: (args) => decodeBinaryFields(actionId, args, binaryFields) };
}

/** The manifest's input schema (`{type:'object'}` when absent), file fields as base64 strings. */
function inputSchema(input: DataSchema | undefined, binaryFields: readonly string[]): Tool['inputSchema'] {
  const schema = structuredClone(input ?? {}) as Record<string, unknown>;
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  for (const field of binaryFields) {
    const { title, description } = properties?.[field] ?? {};
    properties![field] = {
      type: 'string',
      contentEncoding: 'base64',
      ...(title === undefined ? {} : { title }),
      description: `${typeof description === 'string' ? `${description} ` : ''}Base64-encoded bytes.`,
    };
  }
  return { ...schema, type: 'object' } as Tool['inputSchema'];
}

/**
 * The output schema of the object `structuredContent` holds (toolResult wraps the same way): an
 * object as it is, an array under `items`, any other single type under `value`. A schema whose
 * type is a list or absent says no shape in advance, so the tool declares none.
 */
function structuredSchema(schema: DataSchema): Tool['outputSchema'] {
  const type = schema.type;
  if (type === 'object') return structuredClone(schema) as Tool['outputSchema'];
  if (typeof type !== 'string') return undefined;
  const key = type === 'array' ? 'items' : 'value';
  return { type: 'object', properties: { [key]: structuredClone(schema) as Record<string, unknown> }, required: [key] };
}

/** Strict base64 (padding optional): anything else is refused rather than decoded to garbage. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

function decodeBinaryFields(actionId: string, args: Record<string, unknown> | undefined, fields: readonly string[]): Record<string, unknown> | undefined {
  if (!args || fields.length === 0) return args;
  const input = { ...args };
  for (const field of fields) {
    const value = input[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !BASE64.test(value)) {
      throw new InputError(actionId, field, `input "${field}" of action "${actionId}" must be file content as a base64 string`);
    }
    input[field] = Buffer.from(value, 'base64');
  }
  return input;
}
