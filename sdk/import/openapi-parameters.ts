/**
 * OpenAPI parameter serialization (`style` / `explode`, OpenAPI 3.x §4.8.12.4) as Liquid over the
 * action's input. A scalar is one template; an array or object becomes what the style says:
 * `tags=a&tags=b` (form, exploded), `ids=1,2` (form), `a b` (spaceDelimited), `a|b`
 * (pipeDelimited), `filter[k]=v` (deepObject), `.1` (label), `;id=1` (matrix). Repeated query
 * names do not fit the manifest's query map (one template per name), so exploded arrays and
 * objects are written as a query suffix of the path instead; absent values render nothing.
 */

/** Where one parameter goes in the action, as templates. */
export type Placement =
  | { in: 'path'; name: string; template: string }
  | { in: 'query'; name: string; template: string }
  /** `&name=value` pairs (already percent-encoded) appended to the path's query. */
  | { in: 'query-suffix'; fragment: string }
  | { in: 'header'; name: string; template: string }
  /** `; name=value` pairs for the Cookie header. */
  | { in: 'cookie'; fragment: string };

/** What serialization needs to know of one parameter. */
export interface ParameterShape {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  /** The input property holding its value. */
  property: string;
  kind: 'scalar' | 'array' | 'object';
  style?: string;
  explode?: boolean;
}

/**
 * How a template reads an input property: `input.name` for an identifier, else bracket access.
 *
 * @example
 * inputRef('page[size]'); // 'input["page[size]"]'
 */
export function inputRef(property: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(property) ? `input.${property}` : `input[${JSON.stringify(property)}]`;
}

/**
 * The templates of one parameter (its default style: form in query and cookie, simple in path and header).
 *
 * @example
 * placementOf({ name: 'tags', in: 'query', property: 'tags', kind: 'array' });
 * // { in: 'query-suffix', fragment: '{%- for v in input.tags -%}&tags={{ v | uri_encode }}{%- endfor -%}' }
 */
export function placementOf(parameter: ParameterShape): Placement {
  const style = parameter.style ?? (parameter.in === 'query' || parameter.in === 'cookie' ? 'form' : 'simple');
  const explode = parameter.explode ?? style === 'form';
  const ref = inputRef(parameter.property);
  switch (parameter.in) {
    case 'path':
      return { in: 'path', name: parameter.name, template: pathTemplate(parameter, style, explode, ref) };
    case 'query':
      return queryPlacement(parameter, style, explode, ref);
    case 'header':
      return { in: 'header', name: parameter.name, template: joined(parameter.kind, ref, ',', explode ? '=' : ',') };
    case 'cookie':
      return { in: 'cookie', fragment: `{%- if ${ref} != nil -%}; ${parameter.name}=${joined(parameter.kind, ref, ',', ',')}{%- endif -%}` };
  }
}

function queryPlacement(parameter: ParameterShape, style: string, explode: boolean, ref: string): Placement {
  const name = encodeURIComponent(parameter.name);
  if (parameter.kind === 'scalar') return { in: 'query', name: parameter.name, template: `{{ ${ref} }}` };
  if (style === 'deepObject') {
    return { in: 'query-suffix', fragment: `{%- for p in ${ref} -%}&${name}%5B{{ p[0] | uri_encode }}%5D={{ p[1] | uri_encode }}{%- endfor -%}` };
  }
  if (explode && style === 'form') {
    const pair = parameter.kind === 'array' ? `${name}={{ v | uri_encode }}` : '{{ v[0] | uri_encode }}={{ v[1] | uri_encode }}';
    return { in: 'query-suffix', fragment: `{%- for v in ${ref} -%}&${pair}{%- endfor -%}` };
  }
  const separator = style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ',';
  return { in: 'query', name: parameter.name, template: joined(parameter.kind, ref, separator, separator) };
}

/**
 * A path parameter per RFC 6570 as OpenAPI uses it: each value percent-encoded on its own, the
 * separators (`,` `.` `;` `=`) left as they are. simple `a,b`; label `.a,b` (exploded `.a.b`);
 * matrix `;m=a,b` (exploded `;m=a;m=b`, an object `;k=v;k2=v2`).
 */
function pathTemplate(parameter: ParameterShape, style: string, explode: boolean, ref: string): string {
  const name = parameter.name;
  if (parameter.kind === 'scalar') {
    const value = `{{ ${ref} | uri_encode }}`;
    return style === 'label' ? `.${value}` : style === 'matrix' ? `;${name}=${value}` : value;
  }
  const array = parameter.kind === 'array';
  const prefix = style === 'label' ? '.' : style === 'matrix' ? (explode && !array ? ';' : `;${name}=`) : '';
  const separator = !explode ? ',' : style === 'label' ? '.' : style === 'matrix' ? (array ? `;${name}=` : ';') : ',';
  const item = array ? '{{ v | uri_encode }}' : `{{ v[0] | uri_encode }}${explode ? '=' : ','}{{ v[1] | uri_encode }}`;
  return `${prefix}{%- for v in ${ref} -%}{%- unless forloop.first -%}${separator}{%- endunless -%}${item}{%- endfor -%}`;
}

/** A scalar or array as one Liquid expression (an array joined by `separator`). */
function expression(kind: ParameterShape['kind'], ref: string, separator: string): string {
  return kind === 'array' ? `${ref} | join: ${JSON.stringify(separator)}` : ref;
}

/** A value as text: a scalar as it is, an array joined by `separator`, an object as `k<pairSeparator>v` pairs joined by `separator`. */
function joined(kind: ParameterShape['kind'], ref: string, separator: string, pairSeparator: string): string {
  if (kind !== 'object') return `{{ ${expression(kind, ref, separator)} }}`;
  return `{%- for p in ${ref} -%}{%- unless forloop.first -%}${separator}{%- endunless -%}{{ p[0] }}${pairSeparator}{{ p[1] }}{%- endfor -%}`;
}
