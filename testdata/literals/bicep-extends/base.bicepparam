using none

param imagePublisher = 'RedHat'
param imageOffer = 'RHEL'
