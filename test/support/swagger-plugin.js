module.exports = require('./nest-plugins').pluginTransformer('@nestjs/swagger');
