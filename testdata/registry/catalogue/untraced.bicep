// Version 0.2.0 of the Dev Center module deploys Dev Box pools whose images it reads through
// two nested loops: the catalogue cannot tell which parameter carries them, and says so.
module devcenter 'br/public:avm/res/dev-center/devcenter:0.2.0' = {
  name: 'devcenter'
  params: {
    name: 'dc-platform'
  }
}
