/** What to do instead of reading MNIST from a folder outside Node (shared by the reader and the browser entry's lazy loader). */
export const MNIST_IN_BROWSER = "in the browser pass {url: 'folder/'} naming a folder your server serves the four IDX files from (see examples/browser/)";
