/** `work` with the warehouse `open` gives, closed after it whatever `work` does. */
export async function withOpenedWarehouse<W extends { close(): Promise<void> }, T>(open: () => Promise<W> | W, work: (warehouse: W) => Promise<T>): Promise<T> {
  const warehouse = await open();
  try {
    return await work(warehouse);
  } finally {
    await warehouse.close();
  }
}
