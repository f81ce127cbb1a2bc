import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, outputFileLines, workflowCommand } from '../../../src/cli/github.ts';

// The expected strings are what @actions/core's command.ts produces for the same input.
describe('workflow commands, escaped as the runner toolkit escapes them', () => {
  it.each([
    ['plain', 'plain'],
    ['100%', '100%25'],
    ['a\nb', 'a%0Ab'],
    ['a\r\nb', 'a%0D%0Ab'],
    ['%0A already', '%250A already'],
  ])('escapeData(%j) = %j', (value, expected) => expect(escapeData(value)).toBe(expected));

  it.each([
    ['a:b,c', 'a%3Ab%2Cc'],
    ['x\n::y', 'x%0A%3A%3Ay'],
  ])('escapeProperty(%j) = %j', (value, expected) => expect(escapeProperty(value)).toBe(expected));

  it('a message with line breaks stays one command', () => {
    const line = workflowCommand('warning', { title: 'Docker Hub: pulls, left' }, 'only 3 left for ci-bot\n::add-mask::x');
    expect(line).toBe('::warning title=Docker Hub%3A pulls%2C left::only 3 left for ci-bot%0A::add-mask::x\n');
    expect(line.split('\n')).toHaveLength(2);
  });

  it('control characters are shown escaped in commands too', () => {
    expect(workflowCommand('error', {}, 'x\u001b[31my')).toBe('::error::x\\u001b[31my\n');
  });
});

describe('$GITHUB_OUTPUT in the heredoc form', () => {
  it('a value with newlines cannot add an output', () => {
    const text = outputFileLines({ source: 'id\nremaining=999', remaining: '3' }, 'ghadelimiter_fixed');
    expect(text).toBe('source<<ghadelimiter_fixed\nid\nremaining=999\nghadelimiter_fixed\nremaining<<ghadelimiter_fixed\n3\nghadelimiter_fixed\n');
  });

  it('each run draws a new random delimiter', () => {
    const first = outputFileLines({ a: '1' }).split('\n')[0];
    expect(first).toMatch(/^a<<ghadelimiter_[\da-f-]{36}$/);
    expect(outputFileLines({ a: '1' }).split('\n')[0]).not.toBe(first);
  });

  it('a value holding the delimiter is refused', () => {
    expect(() => outputFileLines({ a: 'x ghadelimiter_fixed' }, 'ghadelimiter_fixed')).toThrow(/delimiter/);
  });
});
