/** The exit codes, shown in every command's --help and in README. */
export const EXIT_CODES_HELP = [
  '0  success',
  '1  an expectation failed (--expect-*, check)',
  '2  usage error or bad input',
  '3  the DNS/network work could not be completed (e.g. every server timed out,\n   or a bogus answer under --dnssec); 3 wins over 1',
  '4  internal error (a bug in dnsx)',
].join('\n')
