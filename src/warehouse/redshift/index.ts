export { RedshiftWarehouse } from './warehouse';
export { parseRedshiftUri, type RedshiftSettings } from './uri';
