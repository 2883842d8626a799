// Messenger's addition, loaded with mocha's --require; the suite itself is unchanged.
// The suite's 'send a precompiled letter notification' test returns before its request ends
// (it sends from an fs.readFile callback), so 'get a letter pdf' may run before the letter's id
// is known. Against GOV.UK Notify, slower round trips hide this. Here every test waits, after it
// ends, for the file reads and requests it started.
const fs = require('fs');
const axios = require('axios').default;

let pending = 0;
let waiters = [];

function start() {
  pending += 1;
}

function finish() {
  pending -= 1;
  if (pending === 0) {
    const ready = waiters;
    waiters = [];
    // After the callbacks that the finished work resolves have run.
    ready.forEach((resolve) => setImmediate(resolve));
  }
}

const readFile = fs.readFile;
fs.readFile = function (...args) {
  const callback = args.pop();
  start();
  return readFile.call(fs, ...args, (...result) => {
    try {
      callback(...result);
    } finally {
      finish();
    }
  });
};

axios.interceptors.request.use((config) => {
  start();
  return config;
}, null, { synchronous: true });
axios.interceptors.response.use(
  (response) => {
    finish();
    return response;
  },
  (error) => {
    finish();
    return Promise.reject(error);
  },
);

exports.mochaHooks = {
  afterEach() {
    if (pending === 0) return Promise.resolve();
    return new Promise((resolve) => waiters.push(resolve));
  },
};
