// jsfive ships no type declarations; the io tests use its File class only.
declare module 'jsfive';
