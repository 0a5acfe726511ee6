/** TLS test tables shared by the test kit's and the client's TLS tests. */

/** The broken certificates a TLS test server can present, and the code Node's TLS refuses each with. */
export const BROKEN_SERVER_CERTIFICATES = [
  ['expired', 'CERT_HAS_EXPIRED'],
  ['wrong-host', 'ERR_TLS_CERT_ALTNAME_INVALID'],
] as const;
