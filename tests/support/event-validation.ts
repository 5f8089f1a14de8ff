// Every event built in a test process, and in the workers it starts (integration-env passes the variable on), is
// checked against the catalogue.
process.env.EVENT_VALIDATION = 'true';
