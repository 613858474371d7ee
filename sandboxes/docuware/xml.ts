/**
 * A small XML rendering of Platform resources for clients that do not ask for JSON (the
 * Platform's default). DocuWare's JSON mirrors its XML: an array named in the singular
 * (`"Organization": […]`) is a repeated element, an object a nested one. `$type` and other
 * `$`-keys are JSON serializer hints and are left out.
 */

/**
 * Renders `value` as a document whose root element is `root`.
 *
 * @example
 * toXml('Organizations', { Organization: [{ Name: 'Acme' }] }, 'urn:x');
 * // <?xml …?><Organizations xmlns="urn:x"><Organization><Name>Acme</Name></Organization></Organizations>
 */
export function toXml(root: string, value: Record<string, unknown>, xmlns: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>${element(root, value, ` xmlns="${escape(xmlns)}"`)}`;
}

function element(name: string, value: unknown, attributes = ''): string {
  if (value === null || value === undefined) return `<${name}${attributes} />`;
  if (Array.isArray(value)) return value.map((item) => element(name, item)).join('');
  if (typeof value === 'object') {
    const children = Object.entries(value)
      .filter(([key]) => !key.startsWith('$'))
      .map(([key, child]) => element(key, child))
      .join('');
    return `<${name}${attributes}>${children}</${name}>`;
  }
  return `<${name}${attributes}>${escape(String(value))}</${name}>`;
}

function escape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
