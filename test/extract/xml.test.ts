/**
 * Unit tests of sdk/extract/xml.ts: tokens and expiries read from XML answers (a Sage Intacct
 * session, SOAP envelopes with namespaces), attributes, descendant and wildcard steps, values as
 * strings, and the refusals: malformed text, size, depth (quickly, never a RangeError), entity
 * bombs (never expanded), external entities, and element names that could reach a prototype.
 * Path compilation is checked with its messages.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError, ResponseError } from '../../sdk/errors.js';
import { checkXmlPath, compileXmlPath } from '../../sdk/extract/xml-path.js';
import { parseXmlSafely, XmlResponseError, type XmlRefusal } from '../../sdk/extract/xml.js';

function read(xml: string, path: string): string | undefined {
  return compileXmlPath(path).first(parseXmlSafely(xml));
}

function refusal(run: () => unknown): XmlResponseError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(XmlResponseError);
    return error as XmlResponseError;
  }
  throw new Error('expected an XmlResponseError');
}

/** The shape of Sage Intacct's getAPISession answer (developer.intacct.com, "Web Services"). */
const INTACCT = `<?xml version="1.0" encoding="UTF-8"?>
<response>
  <control>
    <status>success</status>
    <senderid>demo_sender</senderid>
    <controlid>1591084075</controlid>
    <uniqueid>false</uniqueid>
    <dtdversion>3.0</dtdversion>
  </control>
  <operation>
    <authentication>
      <status>success</status>
      <userid>xmlgw_user</userid>
      <companyid>demo_company</companyid>
      <locationid></locationid>
      <sessiontimestamp>2020-06-02T07:47:55+00:00</sessiontimestamp>
      <sessiontimeout>2020-06-02T08:47:55+00:00</sessiontimeout>
    </authentication>
    <result>
      <status>success</status>
      <function>getAPISession</function>
      <controlid>c1a6d4ee-8b8b-4a70-9d37-0123456789ab</controlid>
      <data>
        <api>
          <sessionid>nJw0bXk5LmN1c3RvbWVyLnNlc3Npb24uaWQ..</sessionid>
          <endpoint>https://api.intacct.com/ia/xml/xmlgw.phtml</endpoint>
          <locationid></locationid>
        </api>
      </data>
    </result>
  </operation>
</response>
`;

/** A SOAP 1.1 login answer: prefixed elements, a default namespace, attributes with prefixes. */
const SOAP = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
               xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soap:Header>
    <wsse:Security xmlns:wsse="urn:wsse" soap:mustUnderstand="1"/>
  </soap:Header>
  <soap:Body>
    <LoginResponse xmlns="urn:partner.soap.sforce.com">
      <result>
        <serverUrl>https://acme.my.salesforce.com/services/Soap/u/60.0/00D</serverUrl>
        <sessionId>00D!AQ4AQ.session &amp; more</sessionId>
        <userInfo xsi:type="UserInfo" expires="7200">
          <userId>005000000000001</userId>
        </userInfo>
      </result>
    </LoginResponse>
    <LoginResult><![CDATA[tok<en>&amp;]]></LoginResult>
  </soap:Body>
</soap:Envelope>`;

describe('parseXmlSafely and compileXmlPath: reading values', () => {
  it('reads a Sage Intacct session id, its endpoint and its expiry', () => {
    const document = parseXmlSafely(INTACCT);
    expect(compileXmlPath('/response/operation/result/data/api/sessionid').first(document)).toBe('nJw0bXk5LmN1c3RvbWVyLnNlc3Npb24uaWQ..');
    expect(compileXmlPath('/response/operation/result/data/api/endpoint').first(document)).toBe('https://api.intacct.com/ia/xml/xmlgw.phtml');
    expect(compileXmlPath('/response/operation/authentication/sessiontimeout').first(document)).toBe('2020-06-02T08:47:55+00:00');
    expect(compileXmlPath('//sessionid').first(document)).toBe('nJw0bXk5LmN1c3RvbWVyLnNlc3Npb24uaWQ..');
    expect(compileXmlPath('/response/operation//status').all(document)).toEqual(['success', 'success']);
    expect(document.root.name).toBe('response');
  });

  it('returns text as strings, never coerced: numbers, booleans, empty elements', () => {
    const document = parseXmlSafely(INTACCT);
    expect(compileXmlPath('/response/control/controlid').first(document)).toBe('1591084075');
    expect(compileXmlPath('/response/control/uniqueid').first(document)).toBe('false');
    expect(compileXmlPath('/response/control/dtdversion').first(document)).toBe('3.0');
    expect(compileXmlPath('/response/operation/authentication/locationid').first(document)).toBe('');
    expect(read('<a><id>007</id><n>1e3</n><h>0x10</h></a>', '/a/id')).toBe('007');
    expect(read('<a><id>007</id><n>1e3</n><h>0x10</h></a>', '/a/n')).toBe('1e3');
    expect(read('<a><id>007</id><n>1e3</n><h>0x10</h></a>', '/a/h')).toBe('0x10');
    expect(read('<a n="00.50"/>', '/a/@n')).toBe('00.50');
  });

  it('ignores namespace prefixes in the document and in the path', () => {
    const document = parseXmlSafely(SOAP);
    expect(compileXmlPath('/Envelope/Body/LoginResponse/result/sessionId').first(document)).toBe('00D!AQ4AQ.session & more');
    expect(compileXmlPath('/soap:Envelope/soap:Body/LoginResponse/result/sessionId').first(document)).toBe('00D!AQ4AQ.session & more');
    expect(compileXmlPath('/x:Envelope/y:Body/LoginResponse/result/serverUrl').first(document)).toBe(
      'https://acme.my.salesforce.com/services/Soap/u/60.0/00D',
    );
    // The default namespace declaration and xmlns:* are not attributes.
    const response = document.root.children[1]!.children[0]!;
    expect(response.name).toBe('LoginResponse');
    expect([...response.attributes]).toEqual([]);
    expect([...document.root.attributes]).toEqual([]);
  });

  it('reads attributes, prefixed ones by their local name', () => {
    const document = parseXmlSafely(SOAP);
    expect(compileXmlPath('//userInfo/@expires').first(document)).toBe('7200');
    expect(compileXmlPath('//userInfo/@type').first(document)).toBe('UserInfo');
    expect(compileXmlPath('//userInfo/@xsi:type').first(document)).toBe('UserInfo');
    expect(compileXmlPath('/Envelope/Header/Security/@mustUnderstand').first(document)).toBe('1');
    expect(compileXmlPath('//userInfo/@missing').first(document)).toBeUndefined();
    expect(compileXmlPath('//*/@expires').all(document)).toEqual(['7200']);
    expect(read(`<a v="x &amp;lt; &#65;&#x42; &quot;q&quot; &apos;"/>`, '/a/@v')).toBe(`x &lt; AB "q" '`);
  });

  it('keeps CDATA verbatim and decodes references in text exactly once', () => {
    expect(read(SOAP, '//LoginResult')).toBe('tok<en>&amp;');
    expect(read('<a>x &amp;amp; &lt;y&gt; &#x1F600; &#169;</a>', '/a')).toBe('x &amp; <y> \u{1F600} \u00A9');
    // Unknown references and references to characters XML does not allow stay as written.
    expect(read('<a>&nbsp;&#0;&#xD800;&#1114112;</a>', '/a')).toBe('&nbsp;&#0;&#xD800;&#1114112;');
  });

  it('joins an element’s own text and CDATA, trimmed at the ends; child elements are not its text', () => {
    expect(read('<a>\n  one <b>two</b> three <![CDATA[four]]>\n</a>', '/a')).toBe('one  three four');
    expect(read('<a>\n  <b>two</b>\n</a>', '/a')).toBe('');
    expect(read('<a>\n  <b>  two\n</b>\n</a>', '/a/b')).toBe('two');
    expect(read('<a b="  spaced  "/>', '/a/@b')).toBe('  spaced  ');
  });

  it('selects with descendant and wildcard steps, in document order, each element once', () => {
    const xml = '<r><a><b>1</b><a><b>2</b></a></a><c><b>3</b></c><b>4</b></r>';
    const document = parseXmlSafely(xml);
    expect(compileXmlPath('//b').all(document)).toEqual(['1', '2', '3', '4']);
    expect(compileXmlPath('//a/b').all(document)).toEqual(['1', '2']);
    expect(compileXmlPath('//a//b').all(document)).toEqual(['1', '2']);
    expect(compileXmlPath('/r/*/b').all(document)).toEqual(['1', '3']);
    expect(compileXmlPath('/r/b').all(document)).toEqual(['4']);
    expect(compileXmlPath('//r').all(document)).toHaveLength(1);
    expect(compileXmlPath('/r//a/a/b').first(document)).toBe('2');
    expect(compileXmlPath('/*').all(document)).toHaveLength(1);
    expect(compileXmlPath('//*').all(document)).toEqual(['', '', '1', '', '2', '', '3', '4']);
  });

  it('returns undefined (first) and [] (all) when nothing matches', () => {
    const document = parseXmlSafely(INTACCT);
    for (const path of ['/response/operation/result/data/api/token', '/Response/control', '/control', '//nothing', '//api/@id', '/response/control/status/x']) {
      expect(compileXmlPath(path).first(document)).toBeUndefined();
      expect(compileXmlPath(path).all(document)).toEqual([]);
    }
  });

  it('is case-sensitive, as XML is', () => {
    expect(read('<a><Token>t</Token></a>', '/a/token')).toBeUndefined();
    expect(read('<a><Token>t</Token></a>', '/a/Token')).toBe('t');
  });

  it('tolerates a byte order mark, leading whitespace, comments and processing instructions', () => {
    expect(read('\uFEFF\n  <?xml version="1.0"?>\n<!-- c --><a><?pi x?><b>1</b><!-- <b>2</b> --></a>\n<!-- end -->\n', '//b')).toBe('1');
  });

  it('compiles once and keeps the source', () => {
    const path = compileXmlPath('  //sessionid ');
    expect(path.source).toBe('  //sessionid ');
    expect(path.first(parseXmlSafely('<x><sessionid>a</sessionid></x>'))).toBe('a');
    expect(path.first(parseXmlSafely('<y><sessionid>b</sessionid></y>'))).toBe('b');
  });
});

describe('parseXmlSafely: refusals', () => {
  it.each<[string, string, RegExp]>([
    ['mismatched tags', '<a><b></a>', /^the response is not well-formed XML \(InvalidTag at line 1, column 7\)$/],
    ['an unclosed root', '<a><b>1</b>', /^the response is not well-formed XML \(InvalidTag at line 1, column 1\)$/],
    ['a repeated attribute', '<a x="1" x="2"/>', /^the response is not well-formed XML \(InvalidAttr at line 1/],
    ['a bare ampersand', '<a>fish & chips</a>', /^the response is not well-formed XML \(InvalidChar at line 1/],
    ['HTML', '<html><body><br></body></html>', /^the response is not well-formed XML/],
    ['two root elements', '<a/><b/>', /^the response is not well-formed XML \(more than one root element\)$/],
    ['text after the root', '<a/>trailing', /^the response is not well-formed XML \(text after the root element\)$/],
    ['JSON', '{"sessionid": "abc"}', /^the response is not XML \(it does not start with "<"\)$/],
    ['plain text', 'Service Unavailable', /^the response is not XML/],
    ['nothing', '', /^the response is empty, not XML$/],
    ['whitespace', ' \n\t', /^the response is empty, not XML$/],
    ['an unterminated tag', '<a><b', /^the response is not well-formed XML/],
    ['a bad tag name', '<a><1b/></a>', /^the response is not well-formed XML \(InvalidTag at line 1/],
  ])('refuses %s as malformed', (_name, xml, message) => {
    const error = refusal(() => parseXmlSafely(xml));
    expect(error.reason).toBe<XmlRefusal>('malformed');
    expect(error.message).toMatch(message);
    expect(error).toBeInstanceOf(ResponseError);
    expect(ConnectorError.isConnectorError(error)).toBe(true);
    expect(error.code).toBe('CONNECTOR_RESPONSE_INVALID');
  });

  it('never quotes the document in its message', () => {
    const secret = 'sk_live_4242424242';
    for (const xml of [`<a><${secret}></a>`, `<a ${secret}="1" ${secret}="2"/>`, `<a>${secret}</b>`, `<${secret}`, `${secret}<a/>`]) {
      expect(refusal(() => parseXmlSafely(xml)).message).not.toContain(secret);
    }
  });

  it('refuses text longer than maxLength before parsing', () => {
    const xml = `<a>${'x'.repeat(100)}</a>`;
    const error = refusal(() => parseXmlSafely(xml, { maxLength: 50 }));
    expect(error.reason).toBe('too_large');
    expect(error.message).toBe('the XML response is 107 characters long, more than the 50 accepted');
    expect(parseXmlSafely(xml, { maxLength: 107 }).root.text).toHaveLength(100);
    // By default: 1 MiB.
    const big = `<a>${'x'.repeat(1024 * 1024 - 7)}</a>`;
    expect(parseXmlSafely(big).root.text).toHaveLength(1024 * 1024 - 7);
    expect(refusal(() => parseXmlSafely(`${big} `)).message).toBe('the XML response is 1048577 characters long, more than the 1048576 accepted');
  });

  it('accepts exactly maxDepth levels and refuses one more, self-closing or not', () => {
    const nest = (depth: number, leaf: string) => '<a>'.repeat(depth - 1) + leaf + '</a>'.repeat(depth - 1);
    expect(read(nest(100, '<a>deep</a>'), `${'/a'.repeat(100)}`)).toBe('deep');
    expect(compileXmlPath('//a').all(parseXmlSafely(nest(100, '<a/>')))).toHaveLength(100);
    for (const xml of [nest(101, '<a>x</a>'), nest(101, '<a/>'), nest(102, '<a/>')]) {
      const error = refusal(() => parseXmlSafely(xml));
      expect(error.reason).toBe('too_deep');
      expect(error.message).toBe('the XML response is nested deeper than 100 levels');
    }
    expect(refusal(() => parseXmlSafely(nest(4, '<b/>'), { maxDepth: 3 })).reason).toBe('too_deep');
    expect(read(nest(3, '<b>ok</b>'), '//b')).toBe('ok');
  });

  it('refuses a 100 000-deep document quickly with a typed error, never a RangeError', () => {
    const depth = 100_000;
    for (const xml of ['<a>'.repeat(depth) + '</a>'.repeat(depth), '<a>'.repeat(depth), '<a><b/>'.repeat(depth)]) {
      const started = performance.now();
      const error = refusal(() => parseXmlSafely(xml));
      expect(error.reason).toBe('too_deep');
      expect(performance.now() - started).toBeLessThan(15_000);
    }
  });

  it('never expands a billion-laughs entity bomb: the reference stays as written', () => {
    const entities = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('\n  ');
    const bomb = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n  <!ENTITY lol "lol">\n  ${entities}\n]>\n<lolz><a>&lol9;</a><b attr="&lol9;">&lol;</b></lolz>`;
    const started = performance.now();
    const document = parseXmlSafely(bomb);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(compileXmlPath('/lolz/a').first(document)).toBe('&lol9;');
    expect(compileXmlPath('/lolz/b').first(document)).toBe('&lol;');
    expect(compileXmlPath('/lolz/b/@attr').first(document)).toBe('&lol9;');
  });

  it('never expands an internal entity, even one used once (no DTD-driven values)', () => {
    const xml = '<!DOCTYPE r [<!ENTITY token "from-the-dtd">]><r><sessionid>&token;</sessionid></r>';
    expect(read(xml, '//sessionid')).toBe('&token;');
  });

  it('refuses external entities (XXE) as malformed, without reading anything', () => {
    for (const xml of [
      '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>',
      '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]><r/>',
    ]) {
      const error = refusal(() => parseXmlSafely(xml));
      expect(error.reason).toBe('malformed');
      expect(error.message).not.toContain('passwd');
    }
  });

  it('treats __proto__, constructor, prototype and toString elements and attributes as data', () => {
    const xml =
      '<r __proto__="p" constructor="c"><__proto__><polluted>yes</polluted></__proto__>' +
      '<constructor><prototype><polluted>1</polluted></prototype></constructor><toString>t</toString><hasOwnProperty/></r>';
    const document = parseXmlSafely(xml);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(compileXmlPath('/r/__proto__/polluted').first(document)).toBe('yes');
    expect(compileXmlPath('/r/constructor/prototype/polluted').first(document)).toBe('1');
    expect(compileXmlPath('/r/toString').first(document)).toBe('t');
    expect(compileXmlPath('/r/hasOwnProperty').first(document)).toBe('');
    expect(compileXmlPath('/r/@__proto__').first(document)).toBe('p');
    expect(compileXmlPath('/r/@constructor').first(document)).toBe('c');
    expect(compileXmlPath('//polluted').all(document)).toEqual(['yes', '1']);
    expect(document.root.children.map((child) => child.name)).toEqual(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
    // Names that exist on Object.prototype never match when the document lacks them.
    const plain = parseXmlSafely('<r><a>1</a></r>');
    for (const path of ['/r/constructor', '/r/__proto__', '/r/toString', '/r/@constructor', '/r/@__proto__', '/r/a/@toString']) {
      expect(compileXmlPath(path).first(plain)).toBeUndefined();
    }
  });

  it('does not pollute through a canary set on Object.prototype, and does not read it', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.canary = 'from-the-prototype';
    try {
      const document = parseXmlSafely('<r><a>1</a></r>');
      expect(compileXmlPath('/r/canary').first(document)).toBeUndefined();
      expect(compileXmlPath('/r/a/@canary').first(document)).toBeUndefined();
      expect(compileXmlPath('//a').first(document)).toBe('1');
    } finally {
      delete proto.canary;
    }
    parseXmlSafely('<r><__proto__ canary="x"><canary>y</canary></__proto__></r>');
    expect(({} as Record<string, unknown>).canary).toBeUndefined();
  });
});

describe('checkXmlPath', () => {
  it.each([
    '/response/operation/result/data/api/sessionid',
    '/Envelope/Body/LoginResponse/LoginResult',
    '/soap:Envelope/soap:Body',
    '//sessionid',
    '/a/b/@attr',
    '/a/b/@xsi:type',
    '//*/@id',
    '/*',
    '/a//b//c',
    '/a/*/c',
    '/ns-1:el.name_2/élément',
    '  /a  ',
  ])('accepts %j', (path) => {
    expect(checkXmlPath(path)).toBeUndefined();
    expect(() => compileXmlPath(path)).not.toThrow();
  });

  it.each([
    ['', 'the XML path is empty'],
    ['   ', 'the XML path is empty'],
    ['sessionid', '"sessionid" must start with "/" (from the root element) or "//" (at any depth)'],
    ['a/b', '"a/b" must start with "/" (from the root element) or "//" (at any depth)'],
    ['/', '"/" ends with "/": name an element or an attribute'],
    ['//', '"//" ends with "/": name an element or an attribute'],
    ['/a/b/', '"/a/b/" ends with "/": name an element or an attribute'],
    ['/a///b', '"/a///b" has an empty step ("///")'],
    ['/a/@id/b', '"/a/@id/b": the attribute step "@id" must be the last step'],
    ['/a/@id/@x', '"/a/@id/@x": the attribute step "@id" must be the last step'],
    ['//@id', '"//@id": an attribute needs an element before it (write "//*/@id")'],
    ['/@id', '"/@id": an attribute needs an element before it (write "/*/@id")'],
    ['/a//@id', '"/a//@id": an attribute needs an element before it (write "//*/@id")'],
    ['/a/@', '"/a/@": "@" is not an attribute name'],
    ['/a/@1x', '"/a/@1x": "@1x" is not an attribute name'],
    ['/a/@xmlns', '"/a/@xmlns": namespace declarations ("@xmlns") are not attributes an XML path can read'],
    ['/a/@xmlns:soap', '"/a/@xmlns:soap": namespace declarations ("@xmlns:soap") are not attributes an XML path can read'],
    ['/a/b c', '"/a/b c": "b c" is not an element name'],
    ['/a/1b', '"/a/1b": "1b" is not an element name'],
    ['/a/x:y:z', '"/a/x:y:z": "x:y:z" is not an element name'],
    ['/a/:b', '"/a/:b": ":b" is not an element name'],
    ['/a/*b', '"/a/*b": "*b" is not an element name'],
    ['/a/./b', '"/a/./b": "." steps are not supported: name each element from the root'],
    ['/a/../b', '"/a/../b": ".." steps are not supported: name each element from the root'],
    ['$.sessionid', '"$.sessionid" must start with "/" (from the root element) or "//" (at any depth)'],
  ])('refuses %j: %s', (path, message) => {
    expect(checkXmlPath(path)).toBe(message);
    expect(() => compileXmlPath(path)).toThrow(new TypeError(message));
  });

  it.each(['/a/b[1]', '//item[@id="2"]', '/a/b/text()', '//b[last()]', 'count(//b)'])('refuses predicates and functions in %j', (path) => {
    expect(checkXmlPath(path)).toBe(
      `"${path}" uses predicates ("[…]") or functions ("text()"), which XML paths do not support: a path selects the first match, and an element's text is its value`,
    );
  });

  it('shortens a long path in its message and refuses one over 1000 characters', () => {
    const long = 'a'.repeat(80);
    expect(checkXmlPath(long)).toBe(`"${'a'.repeat(57)}..." must start with "/" (from the root element) or "//" (at any depth)`);
    expect(checkXmlPath('/a'.repeat(501))).toBe('the XML path is longer than 1000 characters');
    expect(checkXmlPath('/a'.repeat(500))).toBeUndefined();
  });
});
