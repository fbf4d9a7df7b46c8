/** hls.js ships no types for its light build's entry; it is the same class. */
declare module 'hls.js/light' {
  import Hls from 'hls.js';
  export default Hls;
}
