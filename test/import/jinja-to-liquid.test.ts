/**
 * The Jinja → Liquid translation alone: what translates (and renders the same in the SDK's
 * Liquid engine), and every construct that does not, named at its offset in the template.
 */
import { describe, expect, it } from 'vitest';
import { Untranslatable } from '../../sdk/import/jinja-expression.js';
import { jinjaToLiquid } from '../../sdk/import/jinja-to-liquid.js';
import { compileTemplate } from '../../sdk/template/liquid.js';

const FIELDS = new Set(['username', 'password', 'items', 'region']);
function resolve(name: string, offset: number): string {
  if (FIELDS.has(name)) return `credentials.${name}`;
  throw new Untranslatable(offset, `the name \`${name}\``);
}
const translate = (template: string) => jinjaToLiquid(template, resolve);

describe('what translates', () => {
  it.each([
    ['a={{ username }}&b={{password}}', 'a={{ credentials.username }}&b={{ credentials.password }}'],
    ["{{ region|default('eu') }}", "{{ credentials.region | default: 'eu' }}"],
    ['{{ items | jsonify }}', '{{ credentials.items | json }}'],
    ['{{ items|tojson }}', '{{ credentials.items | json }}'],
    ['{{ username|upper }}/{{ username|lower }}/{{ username|trim }}', '{{ credentials.username | upcase }}/{{ credentials.username | downcase }}/{{ credentials.username | strip }}'],
    ['{{ items|join }}|{{ items|join(",") }}', "{{ credentials.items | join: '' }}|{{ credentials.items | join: \",\" }}"],
    ["{{ items['a'][0] }}", "{{ credentials.items['a'][0] }}"],
    ['{{- username -}}', '{{- credentials.username -}}'],
    ['{# a comment #}x', 'x'],
    ['{% if region == "us" %}US{% elif region != none %}other{% else %}none{% endif %}', '{% if credentials.region == "us" %}US{% elsif credentials.region != nil %}other{% else %}none{% endif %}'],
    ['{% if username and password %}both{% endif %}', '{% if credentials.username and credentials.password %}both{% endif %}'],
    ['{% if not region %}default{% endif %}', '{% unless credentials.region %}default{% endunless %}'],
  ])('%s → %s', (jinja, liquid) => {
    const { text, problems } = translate(jinja);
    expect(text).toBe(liquid);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('renders in the SDK engine what Jinja renders', () => {
    const credentials = { username: 'Ann', items: ['a', 'b'], region: 'us' };
    const template = "{{ username|upper }} {{ items|join(',') }} {{ password|default('none') }} {% if region == 'us' %}US{% else %}EU{% endif %} {{ items|jsonify }}";
    expect(compileTemplate(translate(template).text, '/test').render({ credentials })).toBe('ANN a,b none US ["a","b"]');
  });

  it('warns where Jinja and Liquid disagree on what is true (a bare value as a condition)', () => {
    const { problems } = translate('x{% if region %}r{% endif %}');
    expect(problems).toEqual([expect.objectContaining({ offset: 1, severity: 'warning', message: expect.stringContaining('Liquid treats them as true') })]);
  });
});

describe('what does not translate: named, at its offset, the template kept', () => {
  it.each([
    ['{{ username.upper() }}', 11, 'the Python method call `.upper()`'],
    ['ab{% for i in items %}{{ i }}{% endfor %}', 2, 'a `{% for %}` loop'],
    ['{% set x = 1 %}', 0, 'a `{% set %}` assignment'],
    ['{{ region }}-{{ tenant }}', 16, 'the name `tenant`'],
    ["{{ username ~ '@x' }}", 12, 'string concatenation with `~`'],
    ['{{ items|length + 1 }}', 16, 'the arithmetic operator `+`'],
    ['{{ items|urlencode }}', 9, 'the filter `| urlencode`'],
    ['{{ items|replace("a") }}', 9, 'the filter `| replace` with 1 argument(s)'],
    ['{{ items|default(x=1) }}', 17, 'the keyword argument `x=`'],
    ['{{ "a" if region else "b" }}', 7, 'an inline `if … else` expression'],
    ['{% if region and username or password %}{% endif %}', 26, '`and` mixed with `or`'],
    ['{% if (region) %}{% endif %}', 6, 'parentheses'],
    ['{{ region is defined }}', 10, 'the `is` operator'],
    ['{{ [1, 2] }}', 3, 'a list literal'],
    ['{{ "a\\"b" }}', 3, 'the string literal "a\\"b" uses a backslash escape'],
  ])('%s at %i: %s', (jinja, offset, construct) => {
    const { text, problems } = translate(jinja);
    expect(text).toBe(jinja);
    expect(problems[0]).toMatchObject({ offset, severity: 'error', message: `not translated: ${construct}` });
  });

  it('reports an untranslatable block once, not the names inside it', () => {
    expect(translate('{% for i in items %}{{ i }}{{ j }}{% endfor %}{{ nope }}').problems.map((p) => p.message)).toEqual([
      'not translated: a `{% for %}` loop',
      'not translated: the name `nope`',
    ]);
  });

  it('an unclosed tag or an if without endif is an error', () => {
    expect(translate('a {{ username').problems).toEqual([expect.objectContaining({ offset: 2, message: '`{{` is never closed' })]);
    expect(translate('{% if username == "a" %}x').problems).toEqual([expect.objectContaining({ offset: 0, message: '`{% if %}` without its `{% endif %}`' })]);
  });
});
