// The page's shared mutable state: one object for the Draw tab's network and drawing, one for the
// training the Train tab follows. Modules change their fields; nobody replaces the objects.

export const state = {
  model: null,        // GET /api/model
  result: null,       // last POST /api/predict answer (null when blank)
  selected: null,     // {layer, index} of the clicked neuron
  neuronInfo: null,   // last GET /api/neuron answer
};

export const training = { source: null, history: [], total: 0, recipes: {} };
