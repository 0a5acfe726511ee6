/**
 * `zk-recipes/testing`: real Apache ZooKeeper servers for tests (standalone and ensembles on loopback
 * ports), session expiry on demand, and a fault-injecting TCP proxy.
 */
export { TestingServer, type TestingServerOptions } from './testing-server';
export { TestingCluster, type TestingClusterOptions, type ClusterMember } from './testing-cluster';
export { TestingProxy, type TestingProxyEvents, type ProxiedRequest } from './proxy';
export {
  expireSession,
  closeSessionWithCredentials,
  type CloseSessionOutcome,
  type ExpireSessionOptions,
} from './expire-session';
export { fourLetterWord, parseMode, type FourLetterWordOptions } from './four-letter-word';
export {
  findZooKeeper,
  ZooKeeperNotFoundError,
  DEBIAN_JAR_DIR,
  type ZooKeeperInstallation,
  type ZooKeeperSource,
} from './zookeeper-install';
export type { ZooKeeperServerOptions, ZooKeeperLogLevel, ZooCfgValue } from './server-options';
export type { TestingTls, TestingTlsOptions, ClientAuthMode } from './server-tls';
export {
  TestCertificateAuthority,
  OpenSslNotFoundError,
  type CertificateAuthorityOptions,
  type IssueOptions,
  type IssuedCertificate,
  type CertificatePurpose,
} from './certificates';
export { ZooKeeperStartError } from './zookeeper-process';
export { killAllZooKeepers, trackedJvms } from './jvm-registry';
export { freePorts } from './ports';
