import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodyFramer, BodyKind, MALFORMED, NEED_MORE } from './body-framer.js';

const CHUNKED = 'a;ext=1\r\n0123456789\r\n3\r\nabc\r\n0\r\nx-trailer: 1\r\n\r\n';

test('a chunked body is found and decoded however the bytes are split', () => {
  const bytes = Buffer.from(`${CHUNKED}NEXT`);
  const bodyEnd = CHUNKED.length;
  for (let cut = 0; cut <= bytes.length; cut++) {
    const framer = new BodyFramer();
    framer.reset(BodyKind.Chunked, -1); // callers pass the absent Content-Length as -1
    let payload = '';
    const sink = (b: Buffer, s: number, e: number): void => {
      payload += b.toString('latin1', s, e);
    };
    const first = bytes.subarray(0, cut);
    let end = framer.feed(first, 0, first.length, sink);
    let offset = 0;
    if (end === NEED_MORE) {
      const rest = bytes.subarray(cut);
      end = framer.feed(rest, 0, rest.length, sink);
      offset = cut;
    }
    assert.equal(end + offset, bodyEnd, `cut at ${cut}`);
    assert.equal(payload, '0123456789abc', `cut at ${cut}`);
  }
});

test('a length body ends after exactly its bytes', () => {
  const framer = new BodyFramer();
  framer.reset(BodyKind.Length, 5);
  assert.equal(framer.feed(Buffer.from('abc'), 0, 3), NEED_MORE);
  assert.equal(framer.feed(Buffer.from('deXYZ'), 0, 5), 2);
});

test('broken chunk framing is reported', () => {
  const broken = [
    ...['zz\r\n', '5\r\nabcdeX', '\r\n', '5\nabcde\r\n', '1234567890abcdef\r\n'],
    // As llhttp in strict mode: no whitespace after the size, extensions are tokens or quoted strings.
    ...['5 \r\n', '5\t\r\n', '5;a=\x00\r\n', '5; a\r\n', '5;\r\n', '5;a b\r\n', '5;a="\x01"\r\n', '5;a="x"y\r\n', '5;a\n'],
    // Trailers are header lines: no garbage, no NUL, no obs-fold, no Content-Length.
    ...['0\r\nGARBAGE\r\n\r\n', '0\r\nX: a\x00\r\n\r\n', '0\r\nX: 1\r\n folded\r\n\r\n', '0\r\nContent-Length: 5\r\n\r\n', '0\r\nX : 1\r\n\r\n', '0\r\n\n'],
  ];
  for (const bad of broken) {
    const framer = new BodyFramer();
    framer.reset(BodyKind.Chunked);
    assert.equal(framer.feed(Buffer.from(bad), 0, bad.length), MALFORMED, JSON.stringify(bad));
  }
});

test('valid extensions, leading zeros and trailers pass, as llhttp accepts them', () => {
  for (const good of ['005;a;b=c;d="q \\" \xff";e=\r\nabcde\r\n0\r\n\r\n', '0;x=y\r\nX-T: 1\r\nY:\r\n\r\n', '000000000000000000001\r\na\r\n0\r\n\r\n']) {
    const framer = new BodyFramer();
    framer.reset(BodyKind.Chunked);
    assert.equal(framer.feed(Buffer.from(good, 'latin1'), 0, good.length), good.length, JSON.stringify(good));
  }
  const framer = new BodyFramer();
  framer.request = true;
  framer.reset(BodyKind.Chunked);
  const withTe = '0\r\nTransfer-Encoding: chunked\r\n\r\n';
  assert.equal(framer.feed(Buffer.from(withTe), 0, withTe.length), MALFORMED);
});
