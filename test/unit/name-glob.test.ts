import { expect, test } from 'vitest';
import { globToRegExp, NameMatcher } from '../../src/util/name-glob.js';

test('glob syntax', () => {
  expect(globToRegExp('handle_*').test('handle_get')).toBe(true);
  expect(globToRegExp('handle_*').test('xhandle_get')).toBe(false);
  expect(globToRegExp('f?o').test('foo')).toBe(true);
  expect(globToRegExp('f?o').test('fo')).toBe(false);
  expect(globToRegExp('[ab]x').test('bx')).toBe(true);
  expect(globToRegExp('[!ab]x').test('bx')).toBe(false);
  expect(globToRegExp('a.b').test('axb')).toBe(false);
});

test('C++ names match demangled, without parameters, or as linked', () => {
  const m = new NameMatcher(['ns::Shape::area']);
  expect(m.matches('ns::Shape::area() const', '_ZNK2ns5Shape4areaEv')).toBe(true);
  expect(new NameMatcher(['_ZNK2ns*']).matches('ns::Shape::area() const', '_ZNK2ns5Shape4areaEv')).toBe(true);
  expect(new NameMatcher(['std::vector<int>::*']).matches('std::vector<int>::size() const', '_Z...')).toBe(true);
  expect(m.matches('ns::Circle::area() const', '_ZNK2ns6Circle4areaEv')).toBe(false);
});
