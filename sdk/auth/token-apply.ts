/**
 * Where a token goes on an action request (the manifest's `apply`): header, query, cookie and
 * body-field templates over `auth`. The default is `Authorization: Bearer {{ auth.access_token }}`,
 * except for tokens that are cookies, which the connection's jar already sends.
 */
import type { TokenPlacement } from '../manifest/types.gen.js';
import type { TemplateScope } from '../template/liquid.js';
import { compileTemplateMap } from '../template/template-map.js';
import { escapePointerToken } from '../json-pointer.js';
import type { ApplyTarget } from './auth-strategy.js';

export interface CompiledApply {
  readonly credentialHeaders: readonly string[];
  readonly credentialQueryParams: readonly string[];
  apply(target: ApplyTarget, scope: TemplateScope): void;
}

export function compileTokenApply(spec: TokenPlacement | undefined, pointer: string, tokenIsCookie: boolean): CompiledApply {
  const headerSpec = spec?.headers ?? (spec || tokenIsCookie ? {} : { Authorization: 'Bearer {{ auth.access_token }}' });
  const headers = compileTemplateMap(headerSpec, `${pointer}/headers`);
  const query = compileTemplateMap(spec?.query, `${pointer}/query`);
  const cookies = compileTemplateMap(spec?.cookies, `${pointer}/cookies`);
  const body = compileTemplateMap(spec?.body, `${pointer}/body`).map(
    ([name, template]) => [name, template, `${pointer}/body/${escapePointerToken(name)}`] as const,
  );
  return {
    credentialHeaders: headers.map(([name]) => name.toLowerCase()),
    credentialQueryParams: query.map(([name]) => name),
    apply(target, scope) {
      for (const [name, template] of headers) target.headers[name] = template.render(scope);
      for (const [name, template] of query) target.query.push([name, template.render(scope)]);
      for (const [name, template] of cookies) target.cookies.push(`${name}=${template.render(scope)}`);
      for (const [name, template, field] of body) target.bodyFields.push({ name, value: template.render(scope), field });
    },
  };
}
