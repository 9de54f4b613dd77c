import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, find, findAll, child, XmlError, escapeXml, decodeEntities } from '../../src/tapo/onvif-xml.ts';
import { parseNotifications } from '../../src/tapo/onvif-notifications.ts';
import { passwordDigest, parseDuration, usernameTokenXml } from '../../src/tapo/onvif-soap.ts';

test('WS-UsernameToken digest matches the ONVIF programmer guide example', () => {
  const nonce = Buffer.from('LKqI6G/AikKCQrN0zqZFlg==', 'base64');
  assert.equal(passwordDigest(nonce, '2010-09-16T07:50:45Z', 'userpassword'), 'tuOSpGlFlIXsozq4HFNeeGeFLEI=');
  const xml = usernameTokenXml('us<er', 'userpassword', new Date('2010-09-16T07:50:45.123Z'), nonce);
  assert.ok(xml.includes('<wsse:Username>us&lt;er</wsse:Username>'));
  assert.ok(xml.includes('>2010-09-16T07:50:45Z<'));
  assert.ok(xml.includes('tuOSpGlFlIXsozq4HFNeeGeFLEI='));
  assert.ok(!xml.includes('userpassword'), 'the password itself is never sent');
});

test('parses elements, attributes, prefixes, entities, CDATA and comments', () => {
  const doc = parseXml(
    `<?xml version="1.0"?><!-- c --><a:Root xmlns:a="x" b:attr='1 &amp; 2'><a:Item Name="IsMotion" Value="true"/><Text>x &lt; y &#65;&#x42;</Text><Data><![CDATA[<raw>]]></Data></a:Root>`
  );
  assert.equal(doc.name, 'Root');
  assert.equal(doc.prefix, 'a');
  assert.equal(doc.attrs.attr, '1 & 2');
  assert.equal(child(doc, 'Item')?.attrs.Value, 'true');
  assert.equal(find(doc, 'Text')?.text, 'x < y AB');
  assert.equal(find(doc, 'Data')?.text, '<raw>');
  assert.equal(findAll(doc, 'Item').length, 1);
  assert.equal(decodeEntities(escapeXml(`<a href="x">'&'</a>`)), `<a href="x">'&'</a>`);
});

test('malformed XML and DOCTYPEs are XmlErrors, never crashes', () => {
  for (const bad of [
    '',
    '<a>',
    '<a></b>',
    '<a><b></a></b>',
    'text',
    '<a/><b/>',
    '<!DOCTYPE x [<!ENTITY e "e">]><a>&e;</a>',
    '<a x=1/>',
    '<a><!-- </a>',
    '<<<',
  ]) {
    assert.throws(() => parseXml(bad), XmlError, bad);
  }
  assert.throws(() => parseXml('<a>' + 'x'.repeat(100) + '</a>', 50), XmlError);
  let deep = '';
  for (let i = 0; i < 200; i++) {
    deep += '<a>';
  }
  assert.throws(() => parseXml(deep), XmlError);
});

test('entity expansion is off: DOCTYPEs (entity bombs, external entities) are refused, undeclared entities stay text', () => {
  const lol =
    '<!ENTITY lol "lol">' +
    Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('');
  for (const hostile of [
    `<?xml version="1.0"?><!DOCTYPE lolz [${lol}]><a>&lol9;</a>`,
    '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
    '<!doctype a [<!ENTITY x "y">]><a>&x;</a>',
  ]) {
    assert.throws(
      () => parseXml(hostile),
      (e: unknown) => e instanceof XmlError && /DOCTYPE/.test(e.message)
    );
  }
  const doc = parseXml('<a b="&lol; &#65;">&lol;&amp;lt;</a>');
  assert.equal(doc.text, '&lol;&lt;', 'only the predefined entities are decoded, once');
  assert.equal(doc.attrs.b, '&lol; A');
});

test('ISO durations', () => {
  assert.equal(parseDuration('PT10S'), 10_000);
  assert.equal(parseDuration('PT1M30S'), 90_000);
  assert.equal(parseDuration('P1DT1H'), 25 * 3600_000);
  assert.equal(parseDuration('PT0.5S'), 500);
  assert.equal(parseDuration('soon'), null);
  assert.equal(parseDuration('PT'), null);
});

test('Tapo notifications decode into motion and person states', () => {
  const msg = (topic: string, item: string, value: string, op = 'Changed', time = '2026-01-02T03:04:05Z') =>
    `<wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${topic}</wsnt:Topic>` +
    `<wsnt:Message><tt:Message UtcTime="${time}" PropertyOperation="${op}"><tt:Source><tt:SimpleItem Name="Rule" Value="MyMotionDetectorRule"/></tt:Source>` +
    `<tt:Data><tt:SimpleItem Name="${item}" Value="${value}"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>`;
  const body = parseXml(
    `<tev:PullMessagesResponse xmlns:tev="e" xmlns:wsnt="n" xmlns:tt="t">` +
      msg('tns1:RuleEngine/CellMotionDetector/Motion', 'IsMotion', 'true') +
      msg('tns1:RuleEngine/PeopleDetector/People', 'IsPeople', 'false', 'Initialized') +
      msg('tns1:RuleEngine/CellMotionDetector/People', 'IsPeople', 'true') +
      msg('tns1:RuleEngine/TamperDetector/Tamper', 'IsTamper', 'true') +
      msg('tns1:VideoSource/MotionAlarm', 'State', 'false', 'Changed', 'garbage') +
      `</tev:PullMessagesResponse>`
  );
  const n = parseNotifications(body);
  assert.deepEqual(
    n.map((x) => [x.kind, x.active, x.operation]),
    [
      ['motion', true, 'Changed'],
      ['person', false, 'Initialized'],
      ['person', true, 'Changed'],
      [null, true, 'Changed'],
      ['motion', false, 'Changed'],
    ]
  );
  assert.equal(n[0].utcTime, Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.equal(n[4].utcTime, null);
});
