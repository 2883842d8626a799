// The suite requires the client from its own repository ('../../client/notification.js');
// here that is the published notifications-node-client, pinned in package.json.
module.exports = require('notifications-node-client');
