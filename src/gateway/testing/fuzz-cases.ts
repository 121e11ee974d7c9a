/** The generated cases of the gateway's differential fuzzing, for the test and the long run. */
import fc from 'fast-check';
import { mutated, mutation, serialize, splitAt, splits, validRequest, validResponse, type Mutated } from './http-arbitraries.js';
import type { RequestCase } from './request-differential.js';
import type { ResponseBytes, ResponseCase } from './response-differential.js';

export interface GeneratedRequests extends RequestCase {
  tags: string[];
  text: string;
}

/** One client connection's worth of requests: 1–3 pipelined messages, mostly mutated, split at random points. */
export const requestCases: fc.Arbitrary<GeneratedRequests> = fc
  .integer({ min: 1, max: 3 })
  .chain((count) => fc.tuple(fc.tuple(...Array.from({ length: count }, (_, i) => mutated(validRequest(i === count - 1)))), splits))
  .map(([messages, cuts]: [Mutated[], number[]]) => {
    const text = messages.map((m) => serialize(m.model)).join('');
    const tags = messages.flatMap((m) => m.tags);
    return { pieces: splitAt(Buffer.from(text, 'latin1'), cuts), valid: tags.length === 0, tags, text };
  });

export interface GeneratedResponses extends ResponseCase {
  tags: string[];
  text: string;
}

const oneResponse = fc.constantFrom<'GET' | 'HEAD'>('GET', 'GET', 'GET', 'HEAD').chain((method) =>
  fc.tuple(fc.constant(method), validResponse(method === 'HEAD'), fc.array(mutation, { maxLength: 3 }), fc.boolean(), splits),
);

/** Answers to 1–3 consecutive requests of one client, mostly mutated, split at random points. */
export const responseCases: fc.Arbitrary<GeneratedResponses> = fc.array(oneResponse, { minLength: 1, maxLength: 3 }).map((answers) => {
  const tags: string[] = [];
  const texts: string[] = [];
  const responses: ResponseBytes[] = answers.map(([method, valid, mutations, closeAnyway, cuts]) => {
    const model = mutations.reduce((m, mu) => mu.apply(m), valid.model);
    tags.push(...mutations.map((mu) => mu.tag));
    const text = serialize(model);
    texts.push(`${method}: ${text}`);
    return { method, pieces: splitAt(Buffer.from(text, 'latin1'), cuts), closeAfter: valid.closeDelimited || (mutations.length > 0 && closeAnyway) };
  });
  return { responses, valid: tags.length === 0, tags, text: texts.join('\n') };
});
