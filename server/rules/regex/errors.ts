/** A regex Rust's `regex` crate would reject (its wording), or one kong-debugger cannot run (says so). */
export class RegexSyntaxError extends Error {}
