// Datasources (msys.db) and the HTTP client (msys.http.client): what Node
// does while the Lua call that asked is suspended.

export { Datasource, DatasourceSet, datasourcesFor, findDatasource, closeAllDatasources, DATASOURCE_DEFAULTS, type DatasourceConfig, type DbRequest } from './datasource.js';
export { performHttpRequest, type HttpRequest } from './http-request.js';
export { parseDatasourceUri, type DatasourceTarget } from './uri.js';
export { dataStats, QUERY_SECONDS_BUCKETS, type DataStats, type DatasourceCounts } from './stats.js';
export { watchDatasourceCidrs, loadWantedCidrs, CIDR_POLL_MS, type CidrAddon } from './cidr-loader.js';
